"""Thin Celery tasks over accounts services; safe to run twice."""

from celery import shared_task
from django.conf import settings

from accounts import services
from core.tasks_log import record_run


@shared_task
def recheck_vat_numbers():
    """Stored VIES answers asked again once stale or unavailable, a batch an hour."""
    with record_run("accounts.recheck_vat_numbers") as counts:
        counts.update(services.recheck_vat_numbers(limit=settings.VIES_RECHECK_BATCH))
    return dict(counts)
