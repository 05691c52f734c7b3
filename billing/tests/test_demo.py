import pytest

from accounts import demo as accounts_demo
from billing import demo, selectors
from billing.models import Invoice, Plan
from billing.services import platform_today

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_gives_every_page_something():
    accounts_demo.seed(log=print)
    demo.seed(log=print)
    demo.seed(log=print)
    assert set(Plan.objects.values_list("code", flat=True)) == {"free", "pro-monthly", "pro-yearly", "business-monthly"}
    alice = Invoice.objects.filter(organization__slug="alice-studio")
    assert sorted(alice.values_list("status", flat=True)) == ["open", "paid"]
    assert all(inv.pdf_file for inv in alice)
    assert alice.first().organization.payment_methods.get().last4 == "4242"
    assert selectors.current_plan(organization=alice.first().organization).code == "pro-monthly"
    bob = Invoice.objects.get(organization__slug="bob-digital")
    assert bob.currency == "XOF" and bob.status == "open"
    # Dated the day it was numbered (numbers follow their dates), due after Bob's terms.
    assert bob.issue_date == platform_today()
    assert (bob.due_date - bob.issue_date).days == bob.organization.payment_terms_days
