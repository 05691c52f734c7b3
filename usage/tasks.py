"""Scheduled usage work: thin, idempotent wrappers around usage.services."""

from celery import shared_task

from accounts.models import Organization
from core.tasks_log import record_run
from usage import services


@shared_task
def flush_counters():
    with record_run("usage.flush_counters") as counts:
        counts["counters"] += services.flush_counters()
        counts["batches_pruned"] += services.prune_flushes()


@shared_task
def recompute_storage():
    with record_run("usage.recompute_storage") as counts:
        for organization in Organization.objects.filter(is_active=True).iterator():
            counts["bytes"] += services.recompute_storage(organization=organization)
            counts["organizations"] += 1


@shared_task
def end_addon_periods():
    with record_run("usage.end_addon_periods") as counts:
        counts.update(services.end_addon_periods())


@shared_task
def check_limits():
    with record_run("usage.check_limits") as counts:
        for organization in Organization.objects.filter(is_active=True).iterator():
            counts["alerts"] += len(services.check_alerts(organization=organization))
            counts["organizations"] += 1
