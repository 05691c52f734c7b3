"""Live updates, thumbnails and demo data."""

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from generation import selectors, services
from generation.models import GenerationJob, JobStatus


@pytest.fixture
def pushed(monkeypatch):
    messages = []
    monkeypatch.setattr("notifications.services._push", lambda user_id, payload: messages.append((user_id, payload)))
    return messages


def test_a_job_pushes_its_status_and_progress_to_its_author(organization, user, pushed, run_on_commit):
    services.grant_credits(organization=organization, amount=10, reason="gift")
    with run_on_commit(execute=True):
        job = services.submit_job(
            organization=organization,
            user=user,
            kind="video",
            provider="offline",
            model="offline-reel",
            prompt="Waves",
            params={"duration": 2},
        )
    events = [payload for user_id, payload in pushed if payload.get("type") == "generation.job"]
    assert {user_id for user_id, _ in pushed} == {user.pk}
    assert [e["status"] for e in events][:2] == ["queued", "running"]
    assert any(e["status"] == "running" and e["progress"] > 0 for e in events)
    assert events[-1] == {**events[-1], "job": job.pk, "status": "succeeded", "progress": 100}
    notification = next(payload for _, payload in pushed if payload.get("type") == "notification")
    assert notification["title"] == f"Your generation #{job.pk} (Video) is ready"


def test_video_artifacts_get_a_thumbnail_from_their_first_frame(organization, user, no_dispatch):
    services.grant_credits(organization=organization, amount=10, reason="gift")
    job = services.submit_job(
        organization=organization,
        user=user,
        kind="video",
        provider="offline",
        model="offline-reel",
        prompt="Waves",
        params={"duration": 1, "aspect": "1:1"},
    )
    services.execute_job(job_id=job.pk)
    artifact = job.artifacts.get()
    assert artifact.content_type == "video/mp4" and artifact.path.startswith(f"orgs/{organization.pk}/generation/{job.pk}/")
    with default_storage.open(artifact.thumbnail_path) as handle:
        assert Image.open(handle).size == (320, 320)


def test_demo_data_is_idempotent(db):
    from accounts import demo as accounts_demo
    from accounts.models import Organization
    from generation import demo

    accounts_demo.seed(log=lambda line: None)
    demo.seed(log=lambda line: None)
    demo.seed(log=lambda line: None)
    studio = Organization.objects.get(slug="alice-studio")
    job = GenerationJob.objects.get(organization=studio)
    assert job.status == JobStatus.SUCCEEDED
    assert selectors.credit_balance(organization=studio) == 200 - job.credits_charged
    assert selectors.credit_balance(organization=Organization.objects.get(slug="bob-digital")) == 100
