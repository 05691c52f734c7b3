"""Celery tasks: thin wrappers over services, safe to run twice. `run_job`, which the services
queue, is defined beside them and answers to this module too."""

from celery import shared_task
from celery.signals import worker_ready

from core.tasks_log import record_run
from generation import services
from generation.services import run_job

__all__ = ["expire_credit_grants", "fail_stale_jobs", "run_job", "sweep_after_start"]


@shared_task
def fail_stale_jobs():
    with record_run("generation.fail_stale_jobs") as counts:
        counts.update(services.fail_stale_jobs())


@shared_task
def expire_credit_grants():
    with record_run("generation.expire_credit_grants") as counts:
        counts.update(services.expire_credit_grants())


@worker_ready.connect
def sweep_after_start(**kwargs):
    """A worker that starts again (after a crash) retired its previous run: the jobs that run held
    are failed and refunded now, not at the next sweep."""
    fail_stale_jobs.delay()
