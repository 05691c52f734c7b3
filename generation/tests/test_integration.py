"""With the real limits of usage and billing (no stand-in): the Free plan's limits apply."""

import pytest

from generation import selectors, services
from generation.models import JobStatus


@pytest.mark.django_db(transaction=True)
def test_an_offline_image_runs_under_the_real_plan_limits(organization, user, monkeypatch):
    monkeypatch.undo()  # drop this app's stand-in for usage.selectors.limit_for
    from usage.selectors import limit_for

    slots = limit_for(organization=organization, metric="concurrent_jobs")
    services.grant_credits(organization=organization, amount=3, reason="gift")
    job = services.submit_job(
        organization=organization,
        user=user,
        kind="image",
        provider="offline",
        model="offline-canvas",
        prompt="A fox",
        params={"width": 64, "height": 64},
    )
    job.refresh_from_db()
    assert slots is None or slots > 0
    assert job.status == JobStatus.SUCCEEDED
    assert selectors.credit_balance(organization=organization) == 2
