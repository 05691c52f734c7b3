"""Studio pages: forms with prices, submitting, gallery, detail, downloads, chat."""

import pytest
from django.urls import reverse

from generation import services
from generation.models import Conversation, GenerationJob, JobStatus
from generation.tests.factories import submit_offline_job

IMAGE = {"width": 128, "height": 96, "count": 1}


@pytest.fixture
def funded(organization):
    services.grant_credits(organization=organization, amount=20, reason="gift")
    return organization


def make_job(organization, user, **overrides):
    job = submit_offline_job(organization, user, **{"params": IMAGE, **overrides})
    services.execute_job(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_studio_shows_a_form_per_kind_with_credit_prices(client_user, funded, monkeypatch):
    monkeypatch.delenv("OPENAI_COMPAT_BASE_URL", raising=False)
    response = client_user.get(reverse("generation:studio"))
    page = response.content.decode()
    assert response.status_code == 200
    for kind in ("image", "ebook", "video"):
        assert f'action="/studio/new/{kind}/"' in page
    assert 'data-credits="1"' in page and "1 credit per image" in page
    assert "2 credits per second" in page
    assert "Chat is not available on this platform yet." in page and "OPENAI_COMPAT" not in page
    assert "<strong data-balance>20</strong>" in page


def test_submitting_the_image_form_creates_the_job(client_user, funded, no_dispatch):
    data = {"engine": "offline/offline-canvas", "prompt": "A red fox", "width": 128, "height": 96, "count": 2}
    response = client_user.post(reverse("generation:submit", args=["image"]), data)
    job = GenerationJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("generation:job_detail", args=[job.pk])
    assert job.parameters == {"width": 128, "height": 96, "count": 2} and job.credits_reserved == 2


def test_submitting_an_ebook_takes_the_outline_one_chapter_per_line(client_user, funded, no_dispatch):
    data = {"engine": "offline/offline-press", "prompt": "A guide", "title": "Tides", "chapters": "Moon\r\nWind\r\n", "pages": 6}
    client_user.post(reverse("generation:submit", args=["ebook"]), data)
    assert GenerationJob.objects.get().parameters == {"title": "Tides", "chapters": ["Moon", "Wind"], "pages": 6}


def test_a_refused_submission_shows_the_error_and_changes_nothing(client_user, organization):
    data = {"engine": "offline/offline-canvas", "prompt": "A red fox", "width": 128, "height": 96, "count": 1}
    response = client_user.post(reverse("generation:submit", args=["image"]), data)
    assert response.status_code == 400
    assert "This needs 1 credits and your balance is 0" in response.content.decode()
    assert not GenerationJob.objects.exists()


def test_gallery_filters_and_keeps_its_query_count(client_user, funded, user, django_assert_max_num_queries):
    make_job(funded, user)
    make_job(funded, user, kind="video", model="offline-reel", params={"duration": 1})
    with django_assert_max_num_queries(7):
        response = client_user.get(reverse("generation:gallery") + "?kind=video")
    page = response.content.decode()
    assert page.count('class="card job-card"') == 1 and "Video" in page
    for _ in range(3):
        make_job(funded, user)
    with django_assert_max_num_queries(7):
        response = client_user.get(reverse("generation:gallery") + "?status=succeeded")
    assert response.content.decode().count('class="card job-card"') == 5


def test_job_detail_shows_parameters_cost_timings_and_files(client_user, funded, user):
    job = make_job(funded, user)
    page = client_user.get(reverse("generation:job_detail", args=[job.pk])).content.decode()
    artifact = job.artifacts.get()
    assert "Credits charged" in page and "Width" in page and "Finished" in page
    assert reverse("generation:download", args=[job.pk, artifact.pk]) in page
    assert client_user.get(reverse("generation:thumbnail", args=[job.pk, artifact.pk]))["Content-Type"] == "image/png"


def test_cancel_from_the_page_refunds(client_user, funded, user, no_dispatch):
    job = submit_offline_job(funded, user, params=IMAGE)
    response = client_user.post(reverse("generation:cancel", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELED


def test_strangers_get_404_on_every_page_taking_an_id(client, funded, user, other_user):
    job = make_job(funded, user)
    artifact = job.artifacts.get()
    conversation = Conversation.objects.create(organization=funded, title="Ours", provider="groq", model="llama-3.1-8b-instant")
    client.force_login(other_user)
    for url in [
        reverse("generation:job_detail", args=[job.pk]),
        reverse("generation:job_card", args=[job.pk]),
        reverse("generation:download", args=[job.pk, artifact.pk]),
        reverse("generation:thumbnail", args=[job.pk, artifact.pk]),
        reverse("generation:conversation", args=[conversation.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    client.post(reverse("generation:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_chat_page_keeps_the_conversation_history(client_user, funded, user, monkeypatch):
    import respx

    monkeypatch.setenv("GROQ_API_KEY", "gsk")
    answer = {
        "choices": [{"message": {"content": "Hello, Alice!"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 4},
    }
    with respx.mock() as mock:
        mock.post("https://api.groq.com/openai/v1/chat/completions").respond(200, json=answer)
        job = make_job(
            funded,
            user,
            kind="chat",
            provider="groq",
            model="llama-3.1-8b-instant",
            prompt="Hi, I am Alice",
            params={"max_tokens": 50},
        )
    page = client_user.get(reverse("generation:conversation", args=[job.conversation_id])).content.decode()
    assert "Hi, I am Alice" in page and "Hello, Alice!" in page and "5 tokens in" in page
    assert f'name="conversation" value="{job.conversation_id}"' in page


def test_studio_query_count_does_not_grow_with_jobs(client_user, funded, user, django_assert_max_num_queries):
    make_job(funded, user)
    with django_assert_max_num_queries(8):
        client_user.get(reverse("generation:studio"))
    for _ in range(4):
        make_job(funded, user)
    with django_assert_max_num_queries(8):
        assert client_user.get(reverse("generation:studio")).content.decode().count('class="card job-card"') == 5


def test_the_audio_form_takes_an_empty_voice_as_the_default_one(client_user, organization, no_dispatch, monkeypatch):
    monkeypatch.setenv("ELEVENLABS_API_KEY", "xi-key")
    services.grant_credits(organization=organization, amount=100, reason="gift")
    form = {"engine": "elevenlabs/eleven_flash_v2_5", "prompt": "Bonjour", "voice": "", "format": "mp3"}
    response = client_user.post(reverse("generation:submit", args=["audio"]), form)
    job = GenerationJob.objects.get(kind="audio")
    assert response.status_code == 302 and job.parameters["voice"] == ""


def test_a_refused_option_is_said_once_beside_its_field(client_user, organization, monkeypatch):
    monkeypatch.setenv("ELEVENLABS_API_KEY", "xi-key")
    services.grant_credits(organization=organization, amount=100, reason="gift")
    form = {"engine": "elevenlabs/eleven_flash_v2_5", "prompt": "Bonjour", "voice": "nobody", "format": "mp3"}
    response = client_user.post(reverse("generation:submit", args=["audio"]), form)
    page = response.content.decode()
    assert response.status_code == 400 and page.count('class="errorlist') == 1 and page.count("Choose one of") == 1
    assert 'id="form-audio"' in page and not GenerationJob.objects.exists()


def test_the_chat_page_names_no_server_setting(client_user, funded, monkeypatch):
    monkeypatch.delenv("OPENAI_COMPAT_BASE_URL", raising=False)
    page = client_user.get(reverse("generation:chat")).content.decode()
    assert "Chat is not available on this platform yet." in page and "OPENAI_COMPAT" not in page


def test_the_studio_in_french(client_user, funded, user):
    user.locale = "fr"
    user.save()
    page = client_user.get(reverse("generation:studio")).content.decode()
    assert "Nouvelle image" in page and "1 crédit par image" in page and "Tâches récentes" in page
