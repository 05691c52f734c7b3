"""`record_run()`: every scheduled task logs its run as a TaskRun with counts of what it did."""

import logging
from collections import Counter
from contextlib import contextmanager

from django.utils import timezone

from core.models import TaskRun

logger = logging.getLogger("webox.tasks")


@contextmanager
def record_run(task_name):
    """with record_run("billing.dunning") as counts: counts["reminders_sent"] += 1"""
    run = TaskRun.objects.create(task=task_name, started_at=timezone.now())
    counts = Counter()
    try:
        yield counts
    except Exception as exc:
        run.outcome, run.error = TaskRun.Outcome.FAILED, f"{exc.__class__.__name__}: {exc}"
        raise
    else:
        run.outcome = TaskRun.Outcome.SUCCEEDED
    finally:
        run.finished_at = timezone.now()
        run.counts = dict(counts)
        run.save(update_fields=["outcome", "error", "finished_at", "counts"])
        logger.info("task_run task=%s outcome=%s counts=%s", task_name, run.outcome, run.counts)
