import pytest

from core.broker import prepare_filesystem_broker


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


@pytest.mark.django_db
def test_healthz_reports_every_component_up(client, broker_ready):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["components"] == {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_naming_a_broker_that_is_down(client, settings):
    # Nothing listens on port 1: the broker connection is refused.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    from config.celery import app

    original, app.conf.broker_url = app.conf.broker_url, settings.CELERY_BROKER_URL
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]
    assert response.json()["components"]["database"] == "ok"


@pytest.mark.django_db
def test_healthz_answers_503_when_the_filesystem_broker_has_no_folders(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "missing")}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]
