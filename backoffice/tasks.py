"""Scheduled back-office work: thin and idempotent (a second run rewrites the same month's rows)."""

from celery import shared_task

from backoffice import cache, metrics
from core.tasks_log import record_run


@shared_task
def record_mrr():
    with record_run("backoffice.record_mrr") as counts:
        counts["organizations"] += metrics.record_all()
        cache.bump(cache.SUBSCRIPTIONS)
