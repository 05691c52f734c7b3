"""Work that recovers: what every one-shot task and every after-commit side effect shares.

- `RETRY`: the options of a one-shot task (`@shared_task(**RETRY)`): a transient error (the
  database locked or unreachable, Redis or the broker down, a network or storage error) is retried
  with exponential back-off (30 s, 1 min, 2 min, ... up to 15 min, with jitter). Such tasks are
  idempotent, so a retry, or a second run queued by a sweeper, never does the work twice.
- `enqueue()`: queue a task once the transaction commits. A broker that is down is logged, never
  raised into the request that already saved its data: the app's sweeper re-drives the work.
- `after_commit()`: a side effect that may fail (a cache refresh) after the commit, logged when it
  fails and never failing the request.
- `due_for_sweep()`: the cut-off before which work left undone is the sweeper's to re-drive.
"""

import logging
from datetime import timedelta

import redis.exceptions
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger("webox.tasks")

TRANSIENT_ERRORS = (OperationalError, InterfaceError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
                    BrokerError, OSError)

RETRY = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 15 * 60,
    "retry_jitter": True,
    "max_retries": 8,
}


def enqueue(task, *args):
    """`task.delay(*args)` once the surrounding transaction commits, never raising a broker error."""

    def send():
        try:
            task.delay(*args)
        except (BrokerError, redis.exceptions.RedisError, OSError) as exc:
            logger.warning("task_not_queued task=%s args=%s error=%s", task.name, list(args), exc)

    transaction.on_commit(send)


def after_commit(what, function):
    """Run `function()` after the commit; a failure is logged as `what`, the request goes on."""

    def run():
        try:
            function()
        except Exception as exc:  # noqa: BLE001 - the data is committed; this part is best effort
            logger.warning("after_commit_failed what=%s error=%s: %s", what, exc.__class__.__name__, exc)

    transaction.on_commit(run)


def due_for_sweep(now=None):
    """Work queued before this moment and still undone was lost (a broker down, a worker killed)."""
    return (now or timezone.now()) - timedelta(seconds=settings.SWEEP_AFTER_SECONDS)
