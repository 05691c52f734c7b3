import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("webox")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Workers say they are alive (core.heartbeats); /healthz and the generation sweeper read it.
# The step is named by its dotted path: this module is imported before Django is set up (by
# config/__init__.py, for manage.py and every process), and core.heartbeats needs the app
# registry. The worker resolves the path when it builds its blueprint, after its Django fixup has
# called django.setup(), so core.heartbeats imports its model at the top like any other module.
app.steps["worker"].add("core.heartbeats:WorkerHeartbeat")
