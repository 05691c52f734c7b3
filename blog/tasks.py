"""Thin Celery tasks over blog services; safe to run twice."""

from celery import shared_task

from blog import services
from core.tasks_log import record_run


@shared_task
def publish_due():
    with record_run("blog.publish_due") as counts:
        counts["published"] = services.publish_due()
    return counts["published"]
