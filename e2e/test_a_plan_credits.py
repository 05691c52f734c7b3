"""Plan credits on the running process set, driven through the API as the mobile app does (issue
22): a new organization starts with the Free plan's credits of the month; subscribing to Pro
(1,000 credits per period, as the pricing page says) brings them once its first invoice is paid,
through the provider's webhook and the worker; a generation job run by the worker spends them,
and the credits and usage endpoints tell the same story as the ledger.

Runs after the journey (whose log scan it must not spoil) and before the fault drills."""

import uuid

import pytest

from e2e.conftest import PASSWORD, bearer, token_for
from e2e.processes import wait_for

pytestmark = pytest.mark.e2e


def credits(api, headers):
    response = api.get("/api/v1/generation/credits/", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_pro_credits_arrive_once_paid_and_a_job_spends_them(platform, api):
    log_start = platform.log_size()
    email = f"credits-{uuid.uuid4().hex[:8]}@example.test"
    response = api.post("/api/v1/auth/register/", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    headers = bearer(token_for(api, email, PASSWORD))

    # On the Free plan until it subscribes: its 50 credits of the month.
    free = credits(api, headers)
    assert (free["included"], free["balance"], free["unlimited"], free["at_zero"]) == (50, 50, False, "refused")

    subscribed = api.post("/api/v1/billing/subscriptions/", headers=headers, json={"plan": "pro-monthly"})
    assert subscribed.status_code == 201, subscribed.text
    assert credits(api, headers)["included"] == 0  # Pro's credits wait for its first payment
    invoices = api.get("/api/v1/billing/invoices/", headers=headers, params={"status": "open"}).json()["results"]
    assert len(invoices) == 1 and invoices[0]["total"] == 2280  # 19.00 € + 20 % VAT
    paid = api.post(f"/api/v1/billing/invoices/{invoices[0]['id']}/pay/", headers=headers,
                    json={"provider": "sandbox", "card_number": "4242 4242 4242 4242"})  # fmt: skip
    assert paid.status_code == 201, paid.text

    pro = wait_for(lambda: (c := credits(api, headers))["included"] == 1000 and c, 60, "Pro's credits never arrived")
    assert (pro["balance"], pro["included_left"], pro["purchased_left"], pro["spent"]) == (1000, 1000, 0, 0)
    assert pro["included_expires_at"]

    image = {"kind": "image", "model": "offline-canvas", "prompt": "A lighthouse at dusk", "params": {"count": 3}}
    job = api.post("/api/v1/generation/jobs/", headers=headers, json=image)
    assert job.status_code == 201, job.text
    assert job.json()["credits_reserved"] == 3
    url = f"/api/v1/generation/jobs/{job.json()['id']}/"
    done = wait_for(lambda: (j := api.get(url, headers=headers).json())["status"] == "succeeded" and j, 120, "the job never ran")
    assert done["credits_charged"] == 3

    after = credits(api, headers)
    assert (after["balance"], after["included"], after["included_used"], after["included_left"], after["spent"]) == (
        997,
        1000,
        3,
        997,
        3,
    )
    metrics = api.get("/api/v1/usage/", headers=headers).json()["metrics"]
    row = next(m for m in metrics if m["metric"] == "generation_credits")
    assert (row["used"], row["limit"]) == (3, 1000)
    assert "Traceback" not in platform.log_text(since=log_start)
