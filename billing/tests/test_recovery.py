"""Billing work that recovers: each one-shot task retried after a transient error, and the sweeper
queuing again what a lost task left undone. Every case ends with exactly one effect: one PDF, one
email, one payment transition, one reminder."""

from datetime import timedelta

import pytest
import time_machine
from celery.exceptions import Retry
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from billing import documents, payments, services, tasks
from billing.dunning import perform_dunning_event
from billing.models import DunningEvent, Payment, WebhookEvent
from billing.payments import webhooks
from billing.providers import sandbox
from billing.services.delivery import render_credit_note_pdf, render_invoice_documents
from billing.tests.factories import invoice, line
from billing.tests.test_dunning import monthly  # noqa: F401 - the fixture
from core.models import TaskRun

pytestmark = pytest.mark.django_db


def fail_once(monkeypatch, owner, name, error):
    """`owner.name` raises `error` on its first call, then behaves as before."""
    real, calls = getattr(owner, name), []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, flaky)
    return calls


def later(minutes=3):
    """The sweepers' next run, past the time a queued task had to do its work."""
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


def sweep(run_on_commit):
    with later(), run_on_commit(execute=True):
        tasks.sweep_undone()
    return TaskRun.objects.filter(task="billing.sweep_undone").latest("started_at").counts


def subjects(mailoutbox, word):
    return [m.subject for m in mailoutbox if word in m.subject]


def test_a_pdf_render_that_fails_once_is_retried_and_the_invoice_emailed_once(
    organization, user, run_on_commit, mailoutbox, monkeypatch
):
    calls = fail_once(monkeypatch, documents, "invoice_pdf", OperationalError("database is locked"))
    with pytest.raises(Retry), run_on_commit(execute=True):
        inv = invoice(organization)
    inv.refresh_from_db()
    assert not inv.pdf_file and inv.issued_notified_at is None and mailoutbox == []

    with run_on_commit(execute=True):
        render_invoice_documents.apply(args=[inv.pk], retries=1)  # the retry, once its back-off has passed
    inv.refresh_from_db()
    assert inv.pdf_file and len(calls) == 2
    assert subjects(mailoutbox, "issued") == [f"Invoice {inv.number} issued"]
    assert mailoutbox[0].attachments[0][0] == f"{inv.number}.pdf"
    assert sweep(run_on_commit) == {}  # nothing left for the sweeper
    assert len(mailoutbox) == 1


def test_an_invoice_finalized_while_the_broker_was_down_is_saved_then_swept_once(
    organization, user, run_on_commit, mailoutbox, monkeypatch, caplog
):
    def broker_down(*args):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch, run_on_commit(execute=True):
        patch.setattr(render_invoice_documents, "delay", broker_down)
        inv = invoice(organization)  # no exception: the invoice is committed, its task not queued
    assert "task_not_queued task=billing.tasks.render_invoice_documents" in caplog.text
    inv.refresh_from_db()
    assert inv.number and not inv.pdf_file

    with run_on_commit(execute=True):
        tasks.sweep_undone()  # too early: the task may still be on its way
    assert mailoutbox == []
    assert sweep(run_on_commit) == {"invoices": 1}
    inv.refresh_from_db()
    assert inv.pdf_file and subjects(mailoutbox, "issued") == [f"Invoice {inv.number} issued"]
    assert sweep(run_on_commit) == {}
    assert len(mailoutbox) == 1


def test_a_credit_note_whose_task_was_lost_is_swept_and_sent_once(organization, user, run_on_commit, mailoutbox):
    inv = invoice(organization, [line("Pack", unit_amount=10000)])
    with run_on_commit(execute=False):  # the worker was killed: its tasks never ran
        note = services.issue_credit_note(invoice=inv, amount=6000, reason="Goodwill gesture")
    assert sweep(run_on_commit)["credit_notes"] == 1
    note.refresh_from_db()
    assert note.pdf_file and note.notified_at
    assert subjects(mailoutbox, "Credit note") == [f"Credit note {note.number} issued"]
    sweep(run_on_commit)
    assert len(subjects(mailoutbox, "Credit note")) == 1


def test_a_credit_note_render_that_fails_once_is_retried_and_sent_once(
    organization, user, run_on_commit, mailoutbox, monkeypatch
):
    inv = invoice(organization, [line("Pack", unit_amount=10000)])
    fail_once(monkeypatch, documents, "credit_note_pdf", OSError("No space left on device"))
    with pytest.raises(Retry), run_on_commit(execute=True):
        note = services.issue_credit_note(invoice=inv, amount=6000, reason="Goodwill gesture")
    with run_on_commit(execute=True):
        render_credit_note_pdf.apply(args=[note.pk], retries=1)
    note.refresh_from_db()
    assert note.pdf_file
    assert subjects(mailoutbox, "Credit note") == [f"Credit note {note.number} issued"]


def _paid_by_3ds(organization, run_on_commit):
    """A card payment waiting for the bank's second step, then approved: the sandbox's webhook."""
    with run_on_commit(execute=True):
        inv = invoice(organization)
        payment, _ = payments.pay_invoice(
            organization=organization, invoice=inv, provider="sandbox", details={"card_number": "4000002760003184"}
        )
    return inv, payment


def test_webhook_processing_that_fails_once_is_retried_and_pays_once(
    organization, user, run_on_commit, mailoutbox, monkeypatch
):
    inv, payment = _paid_by_3ds(organization, run_on_commit)
    fail_once(monkeypatch, webhooks, "apply_status", OperationalError("server closed the connection unexpectedly"))
    with pytest.raises(Retry), run_on_commit(execute=True):
        payments.confirm_payment(payment=payment, details={"approve": True})
    event = WebhookEvent.objects.get()
    assert event.status == "received" and Payment.objects.get().status == "processing"

    with run_on_commit(execute=True):
        webhooks.process_webhook_event.apply(args=[event.pk], retries=1)
    event.refresh_from_db()
    inv.refresh_from_db()
    assert event.status == "processed" and inv.status == "paid" and inv.amount_paid == inv.total
    assert subjects(mailoutbox, "paid") == [f"Invoice {inv.number} paid"]
    assert sweep(run_on_commit) == {}
    assert len(subjects(mailoutbox, "paid")) == 1


def test_a_webhook_event_left_received_is_swept_and_acted_on_once(organization, user, run_on_commit, mailoutbox):
    inv, payment = _paid_by_3ds(organization, run_on_commit)
    body, headers = sandbox.signed_delivery(
        {"id": "evt_lost", "type": "payment.succeeded", "data": {"reference": payment.provider_reference}}
    )
    with run_on_commit(execute=False):  # stored, but its task was lost
        webhooks.receive_webhook(provider="sandbox", body=body, headers=headers)
    assert WebhookEvent.objects.get().status == "received"
    assert sweep(run_on_commit)["webhook_events"] == 1
    inv.refresh_from_db()
    assert WebhookEvent.objects.get().status == "processed" and inv.status == "paid"
    sweep(run_on_commit)
    assert subjects(mailoutbox, "paid") == [f"Invoice {inv.number} paid"]


def test_a_dunning_step_whose_task_was_lost_is_swept_and_sent_once(monthly, mailoutbox, run_on_commit):  # noqa: F811
    _subscription, inv = monthly
    day = inv.due_date + timedelta(days=3)
    from billing.tests.test_dunning import at

    with at(day), run_on_commit(execute=False):
        tasks.run_dunning()
    event = DunningEvent.objects.get()
    assert event.outcome == "pending"
    with at(day, hour=10), run_on_commit(execute=True):
        tasks.sweep_undone()
        tasks.sweep_undone()
    event.refresh_from_db()
    assert event.outcome == "sent"
    assert subjects(mailoutbox, "Reminder") == [f"Reminder: invoice {inv.number} is unpaid"]


def test_a_dunning_step_that_fails_once_is_retried_and_sent_once(monthly, mailoutbox, run_on_commit, monkeypatch):  # noqa: F811
    from billing import dunning
    from billing.tests.test_dunning import at

    _subscription, inv = monthly
    fail_once(monkeypatch, dunning, "_remind", OperationalError("database is locked"))
    with at(inv.due_date + timedelta(days=3)):
        with pytest.raises(Retry), run_on_commit(execute=True):
            tasks.run_dunning()
        event = DunningEvent.objects.get()
        with run_on_commit(execute=True):
            perform_dunning_event.apply(args=[event.pk], retries=1)
    event.refresh_from_db()
    assert event.outcome == "sent"
    assert subjects(mailoutbox, "Reminder") == [f"Reminder: invoice {inv.number} is unpaid"]


def test_staff_resend_renders_a_missing_pdf_and_attaches_it(organization, user, run_on_commit, mailoutbox):
    with run_on_commit(execute=False):
        inv = invoice(organization)  # its rendering task was lost
    with run_on_commit(execute=True):
        services.resend_invoice(invoice=inv)
    inv.refresh_from_db()
    assert inv.pdf_file and inv.issued_notified_at
    assert [m.attachments[0][0] for m in mailoutbox] == [f"{inv.number}.pdf"]
    assert sweep(run_on_commit) == {}  # the resend counts as the "issued" email: no second one
    assert len(mailoutbox) == 1
