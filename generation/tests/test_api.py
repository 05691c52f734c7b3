"""The REST API of DESIGN.md: providers, jobs list/create/detail/download/cancel."""

import pytest
from django.urls import reverse

from generation import services
from generation.models import JobStatus

IMAGE = {"width": 128, "height": 96, "count": 1}


@pytest.fixture
def funded(organization):
    services.grant_credits(organization=organization, amount=20, reason="gift")
    return organization


def create(auth_api, **body):
    payload = {"kind": "image", "provider": "offline", "model": "offline-canvas", "prompt": "A red fox", "params": IMAGE}
    payload.update(body)
    return auth_api.post("/api/v1/generation/jobs/", payload, format="json")


def test_providers_list_offline_configured_with_kinds_models_and_prices(auth_api, organization, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant")
    response = auth_api.get("/api/v1/generation/providers/")
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json()["results"]}
    assert {
        "offline",
        "openai",
        "stability",
        "elevenlabs",
        "runway",
        "anthropic",
        "gemini",
        "mistral",
        "groq",
        "openai_compat",
    } <= set(rows)
    offline = rows["offline"]
    assert offline["configured"] and offline["kinds"]["image"]["models"] == ["offline-canvas"]
    assert offline["credits"]["image"] == {"offline-canvas": 1}
    assert rows["openai"]["configured"] is False and rows["anthropic"]["configured"] is True
    assert rows["openai"]["prices"]["models"]["dall-e-3"]["per_image"]["1024x1024"] == 40_000
    assert rows["openai"]["prices"]["read_on"] == "2026-11-21"


def test_create_then_detail_then_download(auth_api, funded, run_on_commit):
    with run_on_commit(execute=True):
        response = create(auth_api)
    assert response.status_code == 201, response.json()
    job_id = response.json()["id"]
    detail = auth_api.get(f"/api/v1/generation/jobs/{job_id}/").json()
    assert detail["status"] == JobStatus.SUCCEEDED and detail["credits_charged"] == 1
    download = auth_api.get(detail["artifacts"][0]["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content)[:4] == b"\x89PNG"
    assert auth_api.get("/api/v1/generation/credits/").json()["balance"] == 19


def test_create_with_bad_input_answers_the_error_envelope(auth_api, funded):
    response = create(auth_api, params={"width": 10000, "height": 64})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and "width" in error["fields"]
    empty = create(auth_api, prompt="")
    assert empty.status_code == 400 and "prompt" in empty.json()["error"]["fields"]


def test_create_without_credits_is_quota_exceeded(auth_api, organization):
    response = create(auth_api)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "quota_exceeded"


def test_cancel_refunds_and_a_second_cancel_conflicts(auth_api, funded, no_dispatch):
    job_id = create(auth_api).json()["id"]
    response = auth_api.post(f"/api/v1/generation/jobs/{job_id}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "canceled"
    assert auth_api.get("/api/v1/generation/credits/").json()["balance"] == 20
    again = auth_api.post(f"/api/v1/generation/jobs/{job_id}/cancel/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "job_finished"


def test_another_organization_gets_404_on_every_job_endpoint(auth_api, funded, other_user, api_client, no_dispatch):
    from rest_framework_simplejwt.tokens import RefreshToken

    job_id = create(auth_api).json()["id"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(other_user).access_token}")
    for method, path in [
        ("get", f"/api/v1/generation/jobs/{job_id}/"),
        ("get", f"/api/v1/generation/jobs/{job_id}/download/"),
        ("post", f"/api/v1/generation/jobs/{job_id}/cancel/"),
    ]:
        response = getattr(api_client, method)(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    assert api_client.get("/api/v1/generation/jobs/").json()["count"] == 0


def test_list_is_filtered_paginated_and_its_queries_do_not_grow(
    auth_api, funded, no_dispatch, plan_limits, django_assert_max_num_queries
):
    plan_limits["concurrent_jobs"] = None
    for index in range(3):
        create(auth_api, prompt=f"Fox {index}")
    create(auth_api, kind="video", model="offline-reel", params={"duration": 1})
    with django_assert_max_num_queries(8):
        response = auth_api.get("/api/v1/generation/jobs/?kind=image")
    body = response.json()
    assert body["count"] == 3 and {"next", "previous", "results"} <= set(body)
    for index in range(6):
        create(auth_api, prompt=f"More {index}")
    with django_assert_max_num_queries(8):
        assert auth_api.get("/api/v1/generation/jobs/?kind=image").json()["count"] == 9


def test_download_of_a_job_without_files_is_404(auth_api, funded, no_dispatch):
    job_id = create(auth_api).json()["id"]
    response = auth_api.get(reverse("generation-api:job-download", args=[job_id]))
    assert response.status_code == 404
