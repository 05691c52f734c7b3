"""A demo finance person (who enrols a TOTP device at the first admin login; support's demo already
has a support agent), and the month's MRR of every demo organization so the dashboard has figures."""

from django.contrib.auth.models import Group

from accounts.demo import demo_user
from backoffice import metrics

DEMO_STAFF = [
    ("finance@webox.test", "webox-staff", "Fiona", "Finance", "Finance"),
]


def seed(log):
    for email, password, first_name, last_name, group in DEMO_STAFF:
        user = demo_user(email, password, first_name=first_name, last_name=last_name, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
    log(f"  back office: {metrics.record_all()} organization(s) in this month's MRR")
