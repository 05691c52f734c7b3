"""Demo staff in two roles (they enrol a TOTP device at their first admin login), and the month's
MRR of every demo organization so the dashboard has figures at once."""

from django.contrib.auth.models import Group

from accounts.demo import demo_user
from backoffice import metrics

DEMO_STAFF = [
    ("finance@webox.test", "webox-staff", "Fiona", "Finance", "Finance"),
    ("agent@webox.test", "webox-staff", "Andy", "Agent", "Support agents"),
]


def seed(log):
    for email, password, first_name, last_name, group in DEMO_STAFF:
        user = demo_user(email, password, first_name=first_name, last_name=last_name, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
    log(f"  back office: {metrics.record_all()} organization(s) in this month's MRR")
