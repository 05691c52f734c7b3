"""Celery tasks: thin wrappers over services, safe to run twice."""

from celery import shared_task
from celery.signals import worker_ready

from core.tasks_log import record_run
from generation import services


@shared_task(acks_late=True)
def run_job(job_id):
    """Run one generation job (the time limit per kind is set when it is dispatched)."""
    services.execute_job(job_id=job_id)


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
