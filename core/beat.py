"""Celery beat's scheduler: django-celery-beat's database scheduler, with a heartbeat."""

from django_celery_beat.schedulers import DatabaseScheduler

from core.heartbeats import BeatHeartbeat


class Scheduler(DatabaseScheduler):
    def __init__(self, *args, **kwargs):
        self.heartbeat = BeatHeartbeat()
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        self.heartbeat.maybe_beat()
        return super().tick(*args, **kwargs)
