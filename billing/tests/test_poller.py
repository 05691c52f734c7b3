"""The status poller settles mobile-money payments whose callback never came: the provider's
status is the truth, asked two minutes after the payment started and on every run after."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from billing import payments, services, tasks
from billing.models import Invoice, Payment
from billing.providers.sandbox import PHONE_CALLBACK_LOST, PHONE_TIMEOUT
from billing.tests.factories import invoice
from core.models import TaskRun

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 10, tzinfo=UTC)


def pay_by_phone(organization, phone):
    inv = invoice(organization, [services.LineSpec("Pack", 1, 25000, 0)])
    payment, _ = payments.pay_invoice(
        organization=organization, invoice=inv, provider="sandbox", method_kind="mobile_money",
        details={"phone": phone, "operator": "wave"},
    )  # fmt: skip
    return inv, payment


def test_lost_callback_is_paid_and_time_out_fails_when_polled(other_organization, run_on_commit):
    with time_machine.travel(START, tick=False), run_on_commit(execute=True):
        paid_inv, lost = pay_by_phone(other_organization, PHONE_CALLBACK_LOST)
        open_inv, timed_out = pay_by_phone(other_organization, PHONE_TIMEOUT)
    assert {p.status for p in Payment.objects.all()} == {"processing"}
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        tasks.poll_pending_payments()  # too early: the customer may still be confirming on the phone
    assert {p.status for p in Payment.objects.all()} == {"processing"}
    with time_machine.travel(START + timedelta(minutes=3), tick=False), run_on_commit(execute=True):
        tasks.poll_pending_payments()
        tasks.poll_pending_payments()  # a second run finds nothing in flight
    lost.refresh_from_db()
    timed_out.refresh_from_db()
    assert (lost.status, lost.amount_received) == ("succeeded", 25000)
    assert (timed_out.status, timed_out.failure_code) == ("failed", "timeout")
    assert Invoice.objects.get(pk=paid_inv.pk).status == "paid"
    assert Invoice.objects.get(pk=open_inv.pk).status == "open"
    runs = [run.counts for run in TaskRun.objects.filter(task="billing.payment_poller").order_by("pk")]
    assert runs == [{}, {"succeeded": 1, "failed": 1}, {}]
