"""Celery tasks: thin, idempotent wrappers around billing's services, under the names beat and the
queue know them by (`billing.tasks.<name>`). The tasks a service queues are defined beside it
and imported here, so every billing task answers to this module."""

from datetime import date as Date
from datetime import datetime, time
from zoneinfo import ZoneInfo

from celery import shared_task
from django.conf import settings

from billing import dunning, payments, recurring, retries, sweep
from billing.dunning import perform_dunning_event
from billing.payments.webhooks import deliver_sandbox_webhook, process_webhook_event
from billing.services.delivery import render_credit_note_pdf, render_invoice_documents
from core.tasks import due_for_sweep
from core.tasks_log import record_run


@shared_task
def renew_subscriptions(date=None):
    """Hourly: renew and invoice the periods that ended (by the end of `date` when given)."""
    with record_run("billing.renew_subscriptions") as counts:
        recurring.renew_due_subscriptions(now=_end_of(date), counts=counts)


@shared_task
def run_dunning(date=None):
    """Daily: the dunning steps due (`date`, ISO, to run it as if on that day)."""
    with record_run("billing.dunning") as counts:
        dunning.run_dunning(today=_day(date), counts=counts)


@shared_task
def retry_failed_payments(date=None):
    """Daily: retry failed invoice payments with the default method, on the policy's days."""
    with record_run("billing.payment_retries") as counts:
        retries.retry_failed_payments(today=_day(date), counts=counts)


@shared_task
def process_trials(date=None):
    """Daily: trial reminders, and trials ending converted (with a payment method) or suspended."""
    with record_run("billing.trials") as counts:
        recurring.process_trials(now=_end_of(date), counts=counts)


@shared_task
def poll_pending_payments():
    """Every two minutes: ask the providers where the payments still in flight stand."""
    with record_run("billing.payment_poller") as counts:
        payments.poll_pending_payments(counts=counts)


@shared_task
def sweep_undone():
    """Every minute: documents, emails, webhook events and dunning steps whose task was lost."""
    with record_run("billing.sweep_undone") as counts:
        sweep.redrive(before=due_for_sweep(), counts=counts)


def _day(date):
    return Date.fromisoformat(date) if date else None


def _end_of(date):
    """The last moment of `date` in the platform's calendar: a run "on" that day sees all of it."""
    if not date:
        return None
    zone = ZoneInfo(settings.PLATFORM_TIME_ZONE)
    return datetime.combine(_day(date), time.max, tzinfo=zone)


# What `manage.py run_billing_task <name> --date YYYY-MM-DD` runs.
BY_NAME = {"dunning": run_dunning, "renewals": renew_subscriptions, "retries": retry_failed_payments, "trials": process_trials}


__all__ = [
    "BY_NAME",
    "deliver_sandbox_webhook",
    "perform_dunning_event",
    "poll_pending_payments",
    "process_trials",
    "process_webhook_event",
    "render_credit_note_pdf",
    "render_invoice_documents",
    "renew_subscriptions",
    "retry_failed_payments",
    "run_dunning",
    "sweep_undone",
]
