"""Dunning: the policy's steps taken once each, on their day, by the daily task."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.entitlements import require_entitled
from billing import dunning, services, tasks
from billing.models import DunningEvent, DunningPolicy, DunningStep, Invoice, Subscription
from billing.tests.factories import PlanFactory, invoice, line
from core.errors import AccountSuspended, ValidationFailed

pytestmark = pytest.mark.django_db


def at(day, hour=9):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=False)


@pytest.fixture
def monthly(organization, user):
    plan = PlanFactory(code="pro-m", name="Pro", prices={"EUR": 1900, "XOF": 12000})
    with at(date(2026, 3, 1)):
        subscription = services.subscribe(organization=organization, plan=plan)
    return subscription, subscription.invoices.get()


def _run(day, run_on_commit):
    with at(day), run_on_commit(execute=True):
        tasks.run_dunning()


def _subjects(mailoutbox):
    return [m.subject for m in mailoutbox]


def test_from_due_date_to_d31_one_email_per_step_on_its_day_then_suspension(monthly, user, mailoutbox, run_on_commit):
    subscription, inv = monthly
    assert inv.due_date == date(2026, 3, 15)
    sent_on = {}
    for offset in range(0, 32):
        before = len(mailoutbox)
        _run(inv.due_date + timedelta(days=offset), run_on_commit)
        if len(mailoutbox) > before:
            sent_on[offset] = _subjects(mailoutbox)[before:]
    number = inv.number
    assert sent_on == {
        3: [f"Reminder: invoice {number} is unpaid"],
        7: [f"Urgent: invoice {number} is still unpaid"],
        15: [f"Your service will be suspended: invoice {number}"],
        30: ["Your account is suspended"],
    }
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.SUSPENDED
    with pytest.raises(AccountSuspended) as blocked:
        require_entitled(subscription.organization)
    assert blocked.value.code == "account_suspended"
    inv.refresh_from_db()
    assert inv.overdue_notified_at == datetime(2026, 3, 18, 9, tzinfo=UTC)  # the first reminder, D+3
    reminder = mailoutbox[0]
    assert "/billing/invoices/" in reminder.body and "/pay" in reminder.body
    assert "22.80" in reminder.body  # the amount due, tax included

    # Paying every overdue invoice reactivates at once, with a notification; nothing is sent after.
    with at(inv.due_date + timedelta(days=31)), run_on_commit(execute=True):
        services.mark_invoice_paid(invoice=inv, amount=inv.amount_due, reference="bank:1")
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
    require_entitled(subscription.organization)
    assert "Your account is active again" in _subjects(mailoutbox)
    count = len(mailoutbox)
    for offset in range(32, 40):
        _run(inv.due_date + timedelta(days=offset), run_on_commit)
    assert len(mailoutbox) == count


def test_nothing_is_sent_after_payment(monthly, mailoutbox, run_on_commit):
    _subscription, inv = monthly
    _run(inv.due_date + timedelta(days=3), run_on_commit)
    services.mark_invoice_paid(invoice=inv, amount=inv.amount_due, reference="bank:2")
    count = len(mailoutbox)
    for offset in range(4, 35):
        _run(inv.due_date + timedelta(days=offset), run_on_commit)
    assert len(mailoutbox) == count
    assert list(inv.dunning_events.values_list("offset_days", flat=True)) == [3]


def test_same_task_twice_a_day_changes_nothing_the_second_time(monthly, mailoutbox, run_on_commit):
    _subscription, inv = monthly
    day = inv.due_date + timedelta(days=7)
    _run(day, run_on_commit)
    events, count = DunningEvent.objects.count(), len(mailoutbox)
    with at(day, hour=15), run_on_commit(execute=True):
        tasks.run_dunning()
    assert (DunningEvent.objects.count(), len(mailoutbox)) == (events, count) == (2, 2)


def test_a_late_run_catches_up_every_missed_step_in_order(monthly, mailoutbox, run_on_commit):
    _subscription, inv = monthly
    _run(inv.due_date + timedelta(days=16), run_on_commit)
    assert list(inv.dunning_events.order_by("pk").values_list("offset_days", flat=True)) == [3, 7, 15]
    assert [s.split(":")[0] for s in _subjects(mailoutbox)] == ["Reminder", "Urgent", "Your service will be suspended"]


def test_french_organization_gets_french_reminders(other_organization, other_user, mailoutbox, run_on_commit):
    other_user.locale = "fr"
    other_user.save()
    with at(date(2026, 3, 1)):
        inv = invoice(other_organization, [line(unit_amount=10000, french_rate="0")])
    _run(inv.due_date + timedelta(days=3), run_on_commit)
    assert _subjects(mailoutbox) == [f"Rappel : la facture {inv.number} est impayée"]
    assert "10\u202f000\xa0F\u202fCFA" in mailoutbox[0].body or "10 000" in mailoutbox[0].body.replace("\u202f", " ")


def test_annual_prepaid_not_blocked_by_an_unrelated_one_off_unless_the_policy_says_so(organization, user, run_on_commit):
    plan = PlanFactory(code="pro-y", interval="year", prices={"EUR": 19000})
    with at(date(2026, 1, 1)):
        subscription = services.subscribe(organization=organization, plan=plan)
        first = subscription.invoices.get()
        services.mark_invoice_paid(invoice=first, amount=first.amount_due, reference="bank:y")
        one_off = invoice(organization, source_type="manual")
    _run(one_off.due_date + timedelta(days=30), run_on_commit)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
    require_entitled(organization)
    assert one_off.dunning_events.get(action="suspend").outcome == DunningEvent.Outcome.SKIPPED

    # This organization's own policy suspends for any overdue invoice.
    policy = DunningPolicy.objects.create(name="Strict", organization=organization, suspend_for_any_invoice=True)
    DunningStep.objects.create(policy=policy, position=0, offset_days=31, action="suspend")
    _run(one_off.due_date + timedelta(days=31), run_on_commit)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.SUSPENDED
    with pytest.raises(AccountSuspended):
        require_entitled(organization)
    services.mark_invoice_paid(invoice=one_off, amount=one_off.amount_due, reference="bank:o")
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE


@pytest.mark.parametrize(
    ("steps", "code"),
    [
        ([(3, "friendly_reminder"), (3, "urgent_reminder")], "duplicate_offset"),
        ([(7, "urgent_reminder"), (3, "friendly_reminder")], "steps_out_of_order"),
        ([(3, "suspend"), (7, "urgent_reminder")], "suspend_not_last"),
    ],
)
def test_policy_steps_out_of_order_or_duplicate_are_refused(steps, code):
    with pytest.raises(ValidationFailed) as refused:
        dunning.check_steps(steps)
    assert refused.value.code == code and "+3" in refused.value.message or code == "suspend_not_last"


def test_a_crash_half_way_keeps_finished_batches_and_the_next_run_resumes(organization, user, monkeypatch, run_on_commit):
    with at(date(2026, 3, 1)):
        invoices = [invoice(organization, source_id=str(i)) for i in range(4)]
    day = invoices[0].due_date + timedelta(days=3)
    real_take, calls = dunning._take, []

    def crash_on_second_batch(planned, today, counts):
        calls.append(1)
        real_take(planned, today, counts)
        if len(calls) == 2:
            raise RuntimeError("worker lost")

    monkeypatch.setattr(dunning, "_take", crash_on_second_batch)
    with at(day), pytest.raises(RuntimeError), run_on_commit(execute=True):
        dunning.run_dunning(batch_size=2)
    assert DunningEvent.objects.count() == 2  # the first batch only: the second rolled back whole
    monkeypatch.setattr(dunning, "_take", real_take)
    with at(day), run_on_commit(execute=True):
        dunning.run_dunning(batch_size=2)
    assert sorted(DunningEvent.objects.values_list("invoice_id", flat=True)) == sorted(i.pk for i in invoices)
    assert set(DunningEvent.objects.values_list("outcome", flat=True)) == {"sent"}


def test_a_failing_email_is_retried_and_does_not_block_the_others(organization, user, monkeypatch, run_on_commit, mailoutbox):
    from django.core.mail.backends.locmem import EmailBackend

    from notifications.models import EmailLog
    from notifications.tasks import deliver_email

    with at(date(2026, 3, 1)):
        first, second = invoice(organization, source_id="a"), invoice(organization, source_id="b")
    real_send, failed = EmailBackend.send_messages, []

    def fail_first(self, messages):
        if first.number in messages[0].subject and not failed:
            failed.append(1)
            raise ConnectionError("smtp down")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", fail_first)
    # As a worker does: each email is its own task, whose failure (a retry) stays its own.
    monkeypatch.setattr(deliver_email, "delay", lambda pk: deliver_email.apply(args=[pk], throw=False))
    _run(first.due_date + timedelta(days=3), run_on_commit)
    assert sorted(m.subject for m in mailoutbox) == [
        f"Reminder: invoice {first.number} is unpaid",
        f"Reminder: invoice {second.number} is unpaid",
    ]
    retried = EmailLog.objects.get(subject__contains=first.number)
    assert (retried.status, retried.attempts) == (EmailLog.Status.SENT, 2)


def test_a_batch_reads_with_a_constant_number_of_queries(organization, user, django_assert_max_num_queries):
    with at(date(2026, 3, 1)):
        for i in range(30):
            invoice(organization, source_id=str(i))
    day = date(2026, 3, 15) + timedelta(days=3)
    # 2 policy reads; for the batch: invoices, steps taken, one insert of all events (inside a
    # savepoint pair here); the empty read that ends the loop and the read of pending events.
    # The same whatever the number of invoices in the batch: no query per invoice.
    with at(day), django_assert_max_num_queries(9):
        counts = dunning.run_dunning(batch_size=100)
    assert counts["friendly_reminder"] == 30
    with CaptureQueriesContext(connection) as second:
        with at(day):
            dunning.run_dunning(batch_size=100)
    assert len(second.captured_queries) <= 6


def test_preview_shows_what_the_next_run_would_do_without_doing_it(monthly):
    _subscription, inv = monthly
    rows = dunning.preview(today=inv.due_date + timedelta(days=8))
    assert [(i.pk, s.offset_days) for i, s in rows] == [(inv.pk, 3), (inv.pk, 7)]
    assert not DunningEvent.objects.exists()


def test_run_billing_task_command_runs_as_if_on_a_date(monthly, mailoutbox, run_on_commit):
    _subscription, inv = monthly
    with run_on_commit(execute=True):
        call_command("run_billing_task", "dunning", "--date", (inv.due_date + timedelta(days=7)).isoformat())
    assert sorted(inv.dunning_events.values_list("offset_days", flat=True)) == [3, 7]


def test_overdue_by_age_buckets(organization, user):
    with at(date(2026, 1, 1)):
        old = invoice(organization, source_id="old")
    with at(date(2026, 3, 1)):
        recent = invoice(organization, source_id="recent")
    summary = dunning.overdue_by_age(today=date(2026, 3, 25))
    assert summary["0-30"]["count"] == 1 and summary["60+"]["count"] == 1
    assert summary["0-30"]["amounts"] == [(recent.total, "EUR")]
    assert [i.pk for i in dunning.overdue_invoices(today=date(2026, 3, 25), bucket="60+")] == [old.pk]
    assert Invoice.objects.count() == 2


def test_reminder_carries_the_invoice_pdf_and_the_pay_link(monthly, mailoutbox, run_on_commit):
    _subscription, inv = monthly
    services.store_invoice_pdf(invoice=inv)
    _run(inv.due_date + timedelta(days=3), run_on_commit)
    (reminder,) = mailoutbox
    assert [(name, mimetype) for name, _content, mimetype in reminder.attachments] == [(f"{inv.number}.pdf", "application/pdf")]
    assert f"/billing/invoices/{inv.pk}/pay/" in reminder.body
