"""Real concurrent connections on PostgreSQL: invoice numbers stay gapless and unique."""

import threading

import pytest
from django.db import transaction

from billing import services
from billing.models import Invoice
from billing.tests.factories import invoice
from conftest import requires_postgres
from core.tests.concurrency import failures, run_together

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_finalizations_get_gapless_numbers(organization):
    drafts = [invoice(organization, finalize=False) for _ in range(20)]
    outcomes = run_together([lambda draft=draft: services.finalize_invoice(invoice=draft) for draft in drafts])

    assert failures(outcomes) == []
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, 21))
    numbers = set(Invoice.objects.values_list("number", flat=True))
    assert len(numbers) == 20 and all(n.endswith(f"{s:06d}") for n, s in zip(sorted(numbers), sequences, strict=True))


def _in_threads(count, work):
    """`work` run `count` times at once: (what the calls returned, what they raised)."""
    outcomes = run_together([work] * count)
    errors = failures(outcomes)
    return [outcome for outcome in outcomes if not isinstance(outcome, Exception)], errors


def test_same_idempotency_key_twice_at_once_makes_one_payment(organization):
    from billing import payments
    from billing.models import Payment

    inv = invoice(organization)
    results, errors = _in_threads(
        2,
        lambda: payments.pay_invoice(
            organization=organization,
            invoice=inv,
            provider="sandbox",
            details={"card_number": "4000002760003184"},
            idempotency_key="same-key",
        ),
    )
    assert errors == []
    assert Payment.objects.count() == 1
    assert {payment.pk for payment, _ in results} == {Payment.objects.get().pk}
    assert sorted(replayed for _, replayed in results) == [False, True]


def test_two_different_payments_at_once_one_wins(organization):
    from billing import payments
    from billing.models import Payment
    from core.errors import Conflict

    inv = invoice(organization)
    results, errors = _in_threads(
        2,
        lambda: payments.pay_invoice(
            organization=organization, invoice=inv, provider="sandbox", details={"card_number": "4000002760003184"}
        ),
    )
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
    assert Payment.objects.count() == 1


def test_two_dunning_runs_at_once_take_each_step_once(organization, user, mailoutbox):
    from datetime import timedelta

    from billing import dunning
    from billing.models import DunningEvent

    overdue = [invoice(organization, source_id=str(n)) for n in range(6)]
    today = overdue[0].due_date + timedelta(days=8)  # D+3 and D+7 due on each invoice
    _results, errors = _in_threads(2, lambda: dunning.run_dunning(today=today, batch_size=2))
    assert errors == []
    assert DunningEvent.objects.count() == 12
    assert set(DunningEvent.objects.values_list("outcome", flat=True)) == {"sent"}
    reminders = [m.subject for m in mailoutbox if m.subject.startswith(("Reminder:", "Urgent:"))]
    assert len(reminders) == len(set(reminders)) == 12  # one per invoice and step, whichever run took it


def test_ten_parallel_payment_requests_make_one_payment_and_no_error(organization, user):
    """Ten browsers pay one invoice at once over HTTP: one payment, the others a clear 409, no 500
    and no deadlock (each request waits at most for the invoice row, never for the provider)."""
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    from billing.models import Payment

    inv = invoice(organization)
    token = str(RefreshToken.for_user(user).access_token)

    def pay():
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = api.post(
            f"/api/v1/billing/invoices/{inv.pk}/pay/", {"provider": "sandbox", "card_number": "4242424242424242"}, format="json"
        )
        return response.status_code, response.json().get("error", {}).get("code")

    results, errors = _in_threads(10, pay)
    assert errors == []
    statuses = sorted(status for status, _code in results)
    assert statuses == [201] + [409] * 9, results
    assert {code for status, code in results if status == 409} <= {"payment_in_progress", "invoice_not_payable"}
    assert Payment.objects.count() == 1 and Payment.objects.get().status == "succeeded"
    inv.refresh_from_db()
    assert inv.status == "paid" and inv.amount_paid == inv.total


def test_concurrent_balance_applications_never_spend_more_than_the_balance(organization):
    """A 10.00 € balance applied to eight 12.00 € invoices at once: exactly 10.00 € is used."""
    from billing import selectors
    from billing.models import BalanceEntry

    paid = invoice(organization)
    services.mark_invoice_paid(invoice=paid, amount=paid.total, reference="bank:1")
    invoices = [invoice(organization, source_id=str(n)) for n in range(8)]
    # After they were issued (an invoice takes the balance there is when it is finalized).
    services.issue_credit_note(invoice=paid, amount=1000, reason="Goodwill")
    queue = list(invoices)
    lock = threading.Lock()

    def apply():
        with lock:
            target = queue.pop()
        try:
            return services.apply_balance(organization=organization, invoice=target)
        except Exception as exc:  # "no balance" for the late ones
            return getattr(exc, "code", repr(exc))

    results, errors = _in_threads(8, apply)
    assert errors == []
    applied = [r for r in results if isinstance(r, int)]
    assert sum(applied) == 1000 and set(results) - set(applied) <= {"no_balance"}
    assert selectors.balance_for(organization=organization, currency="EUR") == 0
    assert BalanceEntry.objects.filter(kind="applied").count() == len(applied)
    assert sum(Invoice.objects.filter(pk__in=[i.pk for i in invoices]).values_list("balance_applied", flat=True)) == 1000


def test_no_row_lock_is_held_while_the_provider_works(organization, monkeypatch):
    """Paying and refunding call the provider with nothing locked: another connection can lock the
    invoice and the payment (NOWAIT) in the middle of the call."""
    from billing import payments
    from billing.models import Payment
    from billing.providers import sandbox

    inv = invoice(organization)
    seen = []

    def probe():
        def check():
            with transaction.atomic():
                Invoice.objects.select_for_update(nowait=True).get(pk=inv.pk)
                Payment.objects.select_for_update(nowait=True).filter(invoice=inv).first()
            return "free"

        seen.extend(_in_threads(1, check)[0] or ["locked"])

    real_create, real_refund = sandbox.SandboxProvider.create_payment, sandbox.SandboxProvider.refund

    def create_payment(self, **kwargs):
        probe()
        return real_create(self, **kwargs)

    def refund(self, **kwargs):
        probe()
        return real_refund(self, **kwargs)

    monkeypatch.setattr(sandbox.SandboxProvider, "create_payment", create_payment)
    monkeypatch.setattr(sandbox.SandboxProvider, "refund", refund)
    payments.pay_invoice(organization=organization, invoice=inv, provider="sandbox", details={"card_number": "4242424242424242"})
    payment = Payment.objects.get()
    assert payment.status == "succeeded"
    payments.refund_payment(payment=payment, amount=100)
    assert seen == ["free", "free"]


def test_a_plan_change_waits_for_a_dunning_run_on_the_invoice_it_credits(organization):
    """A yearly subscriber whose invoice is still open moves to a monthly plan (its unused time
    credited by a credit note on that invoice) while the dunning run takes a step on that invoice:
    the run marks the subscription past due and commits, the step's foreign key share-locking the
    invoice then. The plan change locks the subscription before the invoice, as the run does, so it
    waits for the run and is then refused for the past-due subscription; with the invoice locked
    first, the run's commit and the plan change would wait for each other (deadlock detected)."""
    from collections import Counter

    from billing import dunning
    from billing.models import CreditNote, DunningEvent, Subscription
    from billing.tests.factories import PlanFactory
    from core.errors import InvalidTransition
    from core.tests.concurrency import backend_pid, wait_until_blocked

    yearly = PlanFactory(code="pro-year", interval="year", prices={"EUR": 24000})
    business = PlanFactory(code="business", tier="business", prices={"EUR": 4900})
    subscription = services.subscribe(organization=organization, plan=yearly)
    open_invoice = subscription.invoices.get()
    step = dunning.default_policy().steps.first()
    change_pid, change_known, run_holds_subscription = [], threading.Event(), threading.Event()

    def change_plan():
        change_pid.append(backend_pid())
        change_known.set()
        assert run_holds_subscription.wait(60)
        return services.change_plan(subscription=subscription, plan=business)

    def dunning_run():
        with transaction.atomic():
            dunning._take([(Invoice.objects.get(pk=open_invoice.pk), [step])], services.platform_today(), Counter())
            run_holds_subscription.set()
            assert change_known.wait(60)
            wait_until_blocked(change_pid[0])
        return Subscription.objects.get(pk=subscription.pk)

    changed, after_run = run_together([change_plan, dunning_run])

    assert isinstance(changed, InvalidTransition) and changed.code == "subscription_not_changeable"
    assert after_run.status == Subscription.Status.PAST_DUE
    assert DunningEvent.objects.filter(invoice=open_invoice).count() == 1
    open_invoice.refresh_from_db()
    assert (open_invoice.status, open_invoice.amount_credited) == (Invoice.Status.OPEN, 0)
    assert not CreditNote.objects.exists() and Invoice.objects.count() == 1
