"""Heartbeats of the processes that work out of sight: Celery workers and Celery beat.

Each process writes its row every HEARTBEAT_SECONDS (a worker from its timer thread, beat from its
scheduler's tick); a kind is alive while one of its processes wrote within three intervals, and
/healthz reports a kind with none as down. A worker also stamps each generation job it runs with
its key, so the sweeper can tell a job whose worker died (fail it and refund it) from a job still
waiting in the queue. A worker that starts again under the same name retires its previous run at
once: whatever that run held is known to be lost.
"""

import logging
import os
import socket
import uuid
from datetime import timedelta

from celery import bootsteps
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from core.models import ProcessHeartbeat

logger = logging.getLogger("webox.heartbeats")

MISSED_BEATS = 3
_this_worker = {"key": ""}


def stale_after():
    return timedelta(seconds=MISSED_BEATS * settings.HEARTBEAT_SECONDS)


def beat(*, key, kind, hostname, started_at):
    fields = {"kind": kind, "hostname": hostname, "pid": os.getpid(), "started_at": started_at, "seen_at": timezone.now()}
    ProcessHeartbeat.objects.update_or_create(key=key, defaults=fields)


def retire(*, kind, hostname, keep=None):
    """Forget the earlier runs of a process that starts again under the same name (and, on a clean
    stop, this run too: `keep=None`)."""
    ProcessHeartbeat.objects.filter(kind=kind, hostname=hostname).exclude(key=keep or "").delete()


def alive_keys(kind):
    cutoff = timezone.now() - stale_after()
    return set(ProcessHeartbeat.objects.filter(kind=kind, seen_at__gte=cutoff).values_list("key", flat=True))


def last_seen(kind):
    return ProcessHeartbeat.objects.filter(kind=kind).order_by("-seen_at").values_list("seen_at", flat=True).first()


def current_worker_key():
    """The key of the worker process running this code ("" outside a worker)."""
    return _this_worker["key"]


def _quietly(write):
    """A heartbeat that cannot be written (the database restarting) is simply missed."""
    try:
        write()
    except Exception as exc:  # noqa: BLE001 - any failure only means this beat is missed
        logger.warning("heartbeat_failed error=%s", exc)
    finally:
        if not connection.in_atomic_block:  # a timer thread's connection: drop it if broken or old
            close_old_connections()


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Celery worker step (config/celery.py adds it by its dotted path): a heartbeat from the
    worker's timer thread."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        # Set before the pool starts, so prefork children inherit it.
        _this_worker["key"] = self.key = uuid.uuid4().hex
        self.started_at = timezone.now()
        self.tref = None

    def _beat(self, hostname):
        _quietly(lambda: beat(key=self.key, kind="worker", hostname=hostname, started_at=self.started_at))

    def start(self, worker):
        _quietly(lambda: retire(kind="worker", hostname=worker.hostname, keep=self.key))
        self._beat(worker.hostname)
        self.tref = worker.timer.call_repeatedly(settings.HEARTBEAT_SECONDS, self._beat, (worker.hostname,), priority=10)

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
        _quietly(lambda: retire(kind="worker", hostname=worker.hostname))


class BeatHeartbeat:
    """Beat's heartbeat, written from its scheduler's tick (core.beat.Scheduler)."""

    def __init__(self):
        self.key, self.started_at, self.next_at = uuid.uuid4().hex, timezone.now(), None
        self.hostname = socket.gethostname()

    def maybe_beat(self):
        now = timezone.now()
        if self.next_at is None:
            _quietly(lambda: retire(kind="beat", hostname=self.hostname, keep=self.key))
        if self.next_at is None or now >= self.next_at:
            self.next_at = now + timedelta(seconds=settings.HEARTBEAT_SECONDS)
            _quietly(lambda: beat(key=self.key, kind="beat", hostname=self.hostname, started_at=self.started_at))
