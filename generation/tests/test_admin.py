"""Staff in Django Admin: jobs with margin, the cancel action, prices, providers, adjustments."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory, confirmed_totp, totp_code
from generation import selectors, services
from generation.models import CreditEntry, GenerationJob, JobStatus
from generation.tests.factories import submit_offline_job

IMAGE = {"width": 128, "height": 96, "count": 1}


@pytest.fixture
def admin_client(client, db):
    staff = UserFactory(email="agent@example.test", is_staff=True, is_superuser=True)
    device = confirmed_totp(staff)
    client.post(reverse("accounts:login"), {"username": staff.email, "password": "correct-horse-battery"})
    client.post(reverse("accounts:login_otp"), {"token": totp_code(device)})
    return client


@pytest.fixture
def funded(organization):
    services.grant_credits(organization=organization, amount=20, reason="gift")
    return organization


def test_job_list_shows_cost_against_credits_charged(admin_client, funded, user, no_dispatch):
    job = submit_offline_job(funded, user, params=IMAGE)
    GenerationJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, credits_charged=1, provider_cost_micros=4_000)
    response = admin_client.get(reverse("admin:generation_generationjob_changelist") + "?kind__exact=image")
    page = response.content.decode()
    assert response.status_code == 200
    # one credit is worth $0.01 by default: $0.0100 charged - $0.0040 cost
    assert "$0.0040" in page and "$0.0060 (60%)" in page


@pytest.mark.parametrize(("language", "column"), [("fr", "Coût fournisseur"), ("en", "Provider cost")])
def test_the_job_list_columns_follow_the_staff_language(admin_client, funded, user, no_dispatch, language, column):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    submit_offline_job(funded, user, params=IMAGE)
    assert column in admin_client.get(reverse("admin:generation_generationjob_changelist")).content.decode()


@pytest.mark.parametrize(("language", "said"), [("en", "1 job canceled and refunded."), ("fr", "1 tâche annulée et remboursée.")])
def test_cancel_action_refunds_through_the_service(admin_client, funded, user, no_dispatch, language, said):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    job = submit_offline_job(funded, user, params=IMAGE)
    answer = admin_client.post(
        reverse("admin:generation_generationjob_changelist"),
        {"action": "cancel_jobs", "_selected_action": [job.pk]},
        follow=True,
    )
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELED
    assert selectors.credit_balance(organization=funded) == 20
    assert said in answer.content.decode()


def test_staff_adjustment_goes_through_the_ledger_and_never_below_zero(admin_client, funded):
    url = reverse("admin:generation_creditentry_add")
    admin_client.post(url, {"organization": funded.pk, "amount": -5, "note": "goodwill correction"})
    assert selectors.credit_balance(organization=funded) == 15
    assert CreditEntry.objects.filter(reason=CreditEntry.Reason.ADJUSTMENT, amount=-5).exists()


def test_admin_pages_render(admin_client, funded, user, no_dispatch):
    job = submit_offline_job(funded, user, params=IMAGE)
    for name, args in [
        ("admin:generation_generationjob_change", [job.pk]),
        ("admin:generation_creditprice_changelist", []),
        ("admin:generation_creditentry_changelist", []),
        ("admin:generation_conversation_changelist", []),
        ("admin:generation_providers", []),
    ]:
        response = admin_client.get(reverse(name, args=args))
        assert response.status_code == 200, name
    providers_page = admin_client.get(reverse("admin:generation_providers")).content.decode()
    assert "OPENAI_API_KEY" in providers_page and "21 Nov 2026" in providers_page
