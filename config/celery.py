import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("webox")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Workers say they are alive (core.heartbeats); /healthz and the generation sweeper read it.
from core.heartbeats import WorkerHeartbeat  # noqa: E402

app.steps["worker"].add(WorkerHeartbeat)
