"""Automatic payment retries: +1, +3, +6 days, at most three, none after a hard decline."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from billing import dunning, payments, tasks
from billing.models import DunningPolicy, Payment
from billing.tests.factories import invoice

pytestmark = pytest.mark.django_db

DECLINED, LOST, GOOD = "4000000000000002", "4000000000009987", "4242424242424242"


def at(day, hour=2):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=False)


def _failed_first_payment(organization, card, run_on_commit):
    """An invoice whose first payment, with the default card, failed on 1 March."""
    with at(date(2026, 3, 1), 10), run_on_commit(execute=True):
        method = payments.add_payment_method(organization=organization, provider="sandbox", details={"card_number": card})
        inv = invoice(organization)
        payments.pay_invoice(organization=organization, invoice=inv, provider="sandbox", payment_method=method)
    assert Payment.objects.get(invoice=inv).status == Payment.Status.FAILED
    return inv, method


def _run_days(first, last, run_on_commit):
    for offset in range(first, last + 1):
        with at(date(2026, 3, 1) + timedelta(days=offset)), run_on_commit(execute=True):
            tasks.retry_failed_payments()
            tasks.retry_failed_payments()  # twice the same day: nothing more


def test_three_retries_on_days_1_3_6_then_none(organization, user, run_on_commit):
    inv, _ = _failed_first_payment(organization, DECLINED, run_on_commit)
    _run_days(1, 10, run_on_commit)
    retries = list(Payment.objects.filter(invoice=inv).exclude(metadata__automatic_retry=None).order_by("created_at"))
    assert [p.metadata["automatic_retry"] for p in retries] == [1, 2, 3]
    assert [p.created_at.date() for p in retries] == [date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 7)]
    assert [p.metadata["scheduled_for"] for p in retries] == ["2026-03-02", "2026-03-04", "2026-03-07"]
    assert all(p.status == Payment.Status.FAILED and p.attempt == i + 2 for i, p in enumerate(retries))
    assert Payment.objects.filter(invoice=inv).count() == 4


def test_a_retry_that_succeeds_pays_the_invoice(organization, user, run_on_commit):
    inv, method = _failed_first_payment(organization, DECLINED, run_on_commit)
    with run_on_commit(execute=True):
        good = payments.add_payment_method(
            organization=organization, provider="sandbox", details={"card_number": GOOD}, make_default=True
        )
    assert good.is_default
    _run_days(1, 10, run_on_commit)
    inv.refresh_from_db()
    assert inv.status == "paid"
    assert Payment.objects.filter(invoice=inv).count() == 2


def test_no_retry_after_a_hard_decline(organization, user, run_on_commit):
    inv, _ = _failed_first_payment(organization, LOST, run_on_commit)
    _run_days(1, 10, run_on_commit)
    assert Payment.objects.filter(invoice=inv).count() == 1
    from core.models import TaskRun

    assert TaskRun.objects.filter(task="billing.payment_retries").first().counts == {"stopped_hard_decline": 1}


def test_no_retry_without_a_payment_method(organization, user, run_on_commit):
    inv, method = _failed_first_payment(organization, DECLINED, run_on_commit)
    payments.remove_payment_method(method=method)
    _run_days(1, 10, run_on_commit)
    assert Payment.objects.filter(invoice=inv).count() == 1


def test_retry_days_come_from_the_policy(organization, user, run_on_commit):
    DunningPolicy.objects.filter(pk=dunning.default_policy().pk).update(retry_days=[2])
    inv, _ = _failed_first_payment(organization, DECLINED, run_on_commit)
    _run_days(1, 10, run_on_commit)
    assert Payment.objects.filter(invoice=inv).count() == 2
    assert Payment.objects.filter(invoice=inv).order_by("-created_at").first().created_at.date() == date(2026, 3, 3)
