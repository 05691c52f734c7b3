"""Periodic tasks declared in code, written into django-celery-beat's tables on migrate.

Each app may have a `schedules.py` with `PERIODIC_TASKS = [Periodic(...), ...]`. A task missing
from the database is created; one already there is left as staff set it (disabled, re-timed).
Crontab times are in the platform time zone (PLATFORM_TIME_ZONE).
"""

import importlib
import importlib.util
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str
    crontab: dict = field(default_factory=dict)  # e.g. {"minute": "0", "hour": "9"}
    every_seconds: int = 0
    description: str = ""


def declared_tasks():
    for config in apps.get_app_configs():
        module_name = f"{config.name}.schedules"
        if config.name != "core" and importlib.util.find_spec(module_name):
            yield from importlib.import_module(module_name).PERIODIC_TASKS


def sync_periodic_tasks(**kwargs):
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    for spec in declared_tasks():
        if PeriodicTask.objects.filter(name=spec.name).exists():
            continue
        if spec.every_seconds:
            interval, _ = IntervalSchedule.objects.get_or_create(every=spec.every_seconds, period=IntervalSchedule.SECONDS)
            schedule = {"interval": interval}
        else:
            cron = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}
            cron.update(spec.crontab)
            crontab, _ = CrontabSchedule.objects.get_or_create(timezone=settings.PLATFORM_TIME_ZONE, **cron)
            schedule = {"crontab": crontab}
        PeriodicTask.objects.create(name=spec.name, task=spec.task, description=spec.description, **schedule)
