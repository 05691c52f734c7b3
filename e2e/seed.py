"""What the production set needs before the journey: the plans, the shop's products and the blog's
articles (the same as make run's demo data) and one support agent (E2E_AGENT_EMAIL /
E2E_AGENT_PASSWORD, with the authenticator key E2E_AGENT_TOTP_KEY: staff act only with a second
factor).
The journey signs its own customer up; the demo people exist only because billing's demo data
(plans, then Alice's and Bob's invoices) needs them."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import transaction  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from accounts import demo as accounts_demo  # noqa: E402
from accounts.models import User  # noqa: E402
from billing import demo as billing_demo  # noqa: E402
from blog import demo as blog_demo  # noqa: E402
from catalog import demo as catalog_demo  # noqa: E402
from support.models import AGENTS_GROUP  # noqa: E402

with transaction.atomic():
    accounts_demo.seed(print)
    billing_demo.seed(print)
    catalog_demo.seed(print)
    blog_demo.seed(print)  # the reader's journey (e2e/test_a_reader.py)
    email, password = os.environ["E2E_AGENT_EMAIL"], os.environ["E2E_AGENT_PASSWORD"]
    agent = User.objects.create_user(email=email, password=password, is_staff=True)
    agent.groups.add(Group.objects.get(name=AGENTS_GROUP))
    TOTPDevice.objects.create(user=agent, name="e2e authenticator", key=os.environ["E2E_AGENT_TOTP_KEY"], confirmed=True)
