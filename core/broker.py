"""The server-less Celery broker (kombu's filesystem transport) needs its folders to exist, and
its processed folder is emptied so it does not grow without end between runs."""

import shutil
from pathlib import Path

from django.conf import settings


def filesystem_broker_folders():
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return []
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    keys = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
    return [Path(options[key]) for key in keys if key in options]


def ensure_filesystem_broker_folders():
    """Any process may publish a task (web, worker, seed_demo), so each makes sure they exist."""
    for folder in filesystem_broker_folders():
        folder.mkdir(parents=True, exist_ok=True)


def prepare_filesystem_broker():
    folders = filesystem_broker_folders()
    if folders:
        shutil.rmtree(settings.CELERY_BROKER_TRANSPORT_OPTIONS["processed_folder"], ignore_errors=True)
    ensure_filesystem_broker_folders()
