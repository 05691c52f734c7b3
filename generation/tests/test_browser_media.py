"""Players and long prompts stay inside their cards, on a phone and on a desktop."""

import pytest
from django.urls import reverse

from core.tests.browser import DESKTOP, PHONE, log_in, overflow, sticking_out
from generation import services
from generation.providers.offline import espeak_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media_jobs(organization, user):
    services.grant_credits(organization=organization, amount=100, reason="gift")
    jobs = [("video", "offline-reel", {"duration": 2, "aspect": "16:9"})]
    if espeak_path():
        jobs.append(("audio", "offline-espeak", {"format": "mp3"}))
    long_word = "x" * 300  # an unbroken word must wrap, not widen the page
    for kind, model, params in jobs:
        prompt = f"Hello {long_word}"
        job = services.submit_job(
            organization=organization, user=user, kind=kind, provider="offline", model=model, prompt=prompt, params=params
        )
        services.execute_job(job_id=job.pk)
    return user


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_players_fit_their_cards_in_the_studio_and_the_gallery(page, media_jobs, viewport):
    page.set_viewport_size(viewport)
    log_in(page, media_jobs.email)
    for url in (reverse("generation:studio"), reverse("generation:gallery")):
        page.goto(url)
        assert page.locator("video").count() >= 1
        assert sticking_out(page, "video, audio", ".card") == [], url
        assert overflow(page) == 0, url
