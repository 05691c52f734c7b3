"""The sandbox's status is the truth, as a real provider's (issue 15): a card payment whose
webhook was never delivered (the worker died while delivering it; the sandbox never resends) is
settled by the status poller with the outcome the sandbox decided."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from billing import payments, services, tasks
from billing.models import Invoice, Payment
from billing.tests.factories import invoice

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 10, tzinfo=UTC)


def pay_card(organization, number, run_on_commit):
    inv = invoice(organization, [services.LineSpec("Pack", 1, 1990, 0)])
    with run_on_commit():  # the webhook delivery is queued after the commit and lost: never run
        payment, _ = payments.pay_invoice(
            organization=organization, invoice=inv, provider="sandbox", details={"card_number": number}
        )
    return inv, payment


def poll_at(minutes, run_on_commit):
    with time_machine.travel(START + timedelta(minutes=minutes), tick=False), run_on_commit(execute=True):
        return tasks.poll_pending_payments()


def test_card_payments_whose_webhook_was_lost_are_settled_by_the_poller(organization, run_on_commit):
    with time_machine.travel(START, tick=False):
        paid, succeeded = pay_card(organization, "4242 4242 4242 4242", run_on_commit)
        unpaid, declined = pay_card(organization, "4000000000000002", run_on_commit)
    assert {p.status for p in Payment.objects.all()} == {"processing"}
    poll_at(1, run_on_commit)  # too early: a webhook may still come
    assert {p.status for p in Payment.objects.all()} == {"processing"}
    poll_at(3, run_on_commit)
    succeeded.refresh_from_db()
    declined.refresh_from_db()
    assert (succeeded.status, succeeded.amount_received, succeeded.currency_received) == ("succeeded", 1990, "EUR")
    assert (declined.status, declined.failure_code) == ("failed", "card_declined")
    assert Invoice.objects.get(pk=paid.pk).status == "paid" and Invoice.objects.get(pk=unpaid.pk).status == "open"


def test_a_confirmed_second_step_whose_webhook_was_lost_is_settled_by_the_poller(organization, run_on_commit):
    with time_machine.travel(START, tick=False):
        approved_inv, approved = pay_card(organization, "4000002760003184", run_on_commit)
        refused_inv, refused = pay_card(organization, "4000002760003184", run_on_commit)
        waiting_inv, waiting = pay_card(organization, "4000002760003184", run_on_commit)
        with run_on_commit():  # the customer answers the bank's step; the webhooks are lost
            payments.confirm_payment(payment=approved, details={"approve": True})
            payments.confirm_payment(payment=refused, details={"approve": False})
    poll_at(3, run_on_commit)
    statuses = {p.pk: (p.status, p.failure_code) for p in Payment.objects.all()}
    assert statuses == {
        approved.pk: ("succeeded", ""),
        refused.pk: ("failed", "authentication_failed"),
        waiting.pk: ("processing", ""),  # the customer has not answered yet: nothing decided
    }
    assert [Invoice.objects.get(pk=i.pk).status for i in (approved_inv, refused_inv, waiting_inv)] == ["paid", "open", "open"]


def test_the_webhook_arriving_after_the_poller_changes_nothing(organization, run_on_commit, mailoutbox):
    with time_machine.travel(START, tick=False), run_on_commit() as lost:
        inv = invoice(organization, [services.LineSpec("Pack", 1, 1990, 0)])
        payment, _ = payments.pay_invoice(
            organization=organization, invoice=inv, provider="sandbox", details={"card_number": "4242424242424242"}
        )
    poll_at(3, run_on_commit)
    inv.refresh_from_db()
    assert (inv.status, inv.amount_paid) == ("paid", 1990)
    with run_on_commit(execute=True):
        for deliver in lost:  # the late delivery (a restarted worker): the same outcome, recorded once
            deliver()
    inv.refresh_from_db()
    payment.refresh_from_db()
    assert (inv.status, inv.amount_paid, payment.status, payment.amount_received) == ("paid", 1990, "succeeded", 1990)
