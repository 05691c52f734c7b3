import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from kombu.utils.imports import symbol_by_name

from config import celery_app
from core import heartbeats
from core.broker import prepare_filesystem_broker
from core.models import ProcessHeartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_ready(settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path / "queue"),
        "data_folder_out": str(tmp_path / "queue"),
        "processed_folder": str(tmp_path / "processed"),
        "control_folder": str(tmp_path / "control"),
    }
    prepare_filesystem_broker()


@pytest.fixture
def processes_alive():
    for kind in ("worker", "beat"):
        heartbeats.beat(key=f"{kind}-1", kind=kind, hostname="host-1", started_at=timezone.now())


def test_healthz_reports_every_component_up(client, broker_ready, processes_alive):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["components"] == {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok", "worker": "ok", "beat": "ok"}


def test_a_silent_worker_or_beat_makes_healthz_503_but_not_readyz(client, broker_ready, processes_alive, settings):
    later = timezone.now() - heartbeats.stale_after() - timedelta(seconds=1)
    ProcessHeartbeat.objects.filter(kind="worker").update(seen_at=later)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["worker"]
    assert response.json()["components"]["worker"].startswith("down: no heartbeat for")
    # The load balancer's probe: this server still answers requests.
    assert client.get("/readyz").status_code == 200
    ProcessHeartbeat.objects.filter(kind="beat").delete()
    assert client.get("/healthz").json()["components"]["beat"] == "down: no beat has ever reported"


def test_a_worker_that_starts_again_retires_its_previous_run(processes_alive):
    heartbeats.retire(kind="worker", hostname="host-1", keep="worker-2")
    heartbeats.beat(key="worker-2", kind="worker", hostname="host-1", started_at=timezone.now())
    assert heartbeats.alive_keys("worker") == {"worker-2"}


def test_healthz_answers_503_naming_a_broker_that_is_down(client, settings, processes_alive):
    # Nothing listens on port 1: the broker connection is refused.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    from config.celery import app

    original, app.conf.broker_url = app.conf.broker_url, settings.CELERY_BROKER_URL
    try:
        response = client.get("/healthz")
        ready = client.get("/readyz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == ready.status_code == 503
    assert response.json()["down"] == ready.json()["down"] == ["broker"]
    assert response.json()["components"]["database"] == "ok"


def test_healthz_answers_503_when_the_filesystem_broker_has_no_folders(client, settings, tmp_path, processes_alive):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "missing")}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]


def test_beat_writes_its_heartbeat_from_its_tick_once_per_interval(settings):
    beat = heartbeats.BeatHeartbeat()
    beat.maybe_beat()
    first = ProcessHeartbeat.objects.get(kind="beat").seen_at
    beat.maybe_beat()  # the next tick, within the interval: nothing written
    assert ProcessHeartbeat.objects.get(kind="beat").seen_at == first
    beat.next_at = timezone.now()
    beat.maybe_beat()
    assert ProcessHeartbeat.objects.get(kind="beat").seen_at > first
    assert heartbeats.alive_keys("beat") == {beat.key}


def test_the_worker_runs_the_heartbeat_step():
    assert {symbol_by_name(step) for step in celery_app.steps["worker"]} == {heartbeats.WorkerHeartbeat}


def test_the_celery_app_loads_before_django_is_set_up():
    """Every process imports config.celery (config/__init__.py) before django.setup(): it must not
    reach a model then, which is why the worker step is named by its path."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import config"],
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
