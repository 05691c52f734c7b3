"""Celery tasks: thin wrappers over services, safe to run twice."""

from celery import shared_task

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
