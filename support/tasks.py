"""Periodic support work; thin and idempotent (safe to run twice)."""

from celery import shared_task

from core.tasks_log import record_run
from support import services


@shared_task
def check_sla():
    with record_run("support.check_sla") as counts:
        counts.update(services.check_sla())


@shared_task
def close_resolved_tickets():
    with record_run("support.close_resolved") as counts:
        counts["closed"] += services.close_resolved_tickets()
