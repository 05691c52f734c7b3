import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from billing import services
from billing.models import Invoice, Subscription
from billing.tests.factories import PlanFactory, invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def pro(db):
    return PlanFactory(code="pro", name="Pro", prices={"EUR": 1900, "XOF": 12000})


@pytest.fixture
def business(db):
    return PlanFactory(code="business", name="Business", prices={"EUR": 4900})


def test_plans_are_public_and_filtered_by_currency(api_client, pro, business, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = api_client.get("/api/v1/billing/plans/?currency=XOF")
    assert response.status_code == 200
    assert [p["code"] for p in response.json()["results"]] == ["pro"]
    assert {"currency": "XOF", "amount": 12000} in response.json()["results"][0]["prices"]


def test_subscribe_change_cancel_resume(auth_api, organization, pro, business):
    response = auth_api.post("/api/v1/billing/subscriptions/", {"plan": "pro", "trial": True})
    assert response.status_code == 201 and response.json()["status"] == "trialing"
    sub_id = response.json()["id"]
    response = auth_api.post(f"/api/v1/billing/subscriptions/{sub_id}/change-plan/", {"plan": "business"})
    assert response.status_code == 200 and response.json()["plan"]["code"] == "business"
    response = auth_api.post(f"/api/v1/billing/subscriptions/{sub_id}/cancel/", {})
    assert response.json()["cancel_at_period_end"] is True
    response = auth_api.post(f"/api/v1/billing/subscriptions/{sub_id}/resume/")
    assert response.json()["cancel_at_period_end"] is False
    response = auth_api.post(f"/api/v1/billing/subscriptions/{sub_id}/cancel/", {"at_period_end": False})
    assert response.json()["status"] == "canceled"
    response = auth_api.post(f"/api/v1/billing/subscriptions/{sub_id}/resume/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_resumable"


def test_bad_subscription_input_changes_nothing(auth_api, organization, other_organization, pro):
    eur_only = PlanFactory(code="eur-only", prices={"EUR": 100})
    organization.currency = "XOF"
    organization.save()
    response = auth_api.post("/api/v1/billing/subscriptions/", {"plan": eur_only.code})
    assert response.status_code == 400 and response.json()["error"]["code"] == "plan_not_available_in_currency"
    response = auth_api.post("/api/v1/billing/subscriptions/", {"plan": "nope"})
    assert response.status_code == 400 and "plan" in response.json()["error"]["fields"]
    assert auth_api.post("/api/v1/billing/subscriptions/", {"plan": "pro"}).status_code == 201
    response = auth_api.post("/api/v1/billing/subscriptions/", {"plan": "pro"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "subscription_exists"
    assert Subscription.objects.count() == 1


def test_stranger_subscription_is_404(auth_api, other_organization, pro):
    theirs = services.subscribe(organization=other_organization, plan=pro)
    for url in (f"/api/v1/billing/subscriptions/{theirs.pk}/",):
        assert auth_api.get(url).status_code == 404
    for action in ("change-plan", "cancel", "resume"):
        assert auth_api.post(f"/api/v1/billing/subscriptions/{theirs.pk}/{action}/", {"plan": "pro"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "active" and not theirs.cancel_at_period_end


def test_member_cannot_change_the_subscription(api_client, organization, pro):
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.tests.factories import MembershipFactory

    member = MembershipFactory(organization=organization, role="member").user
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(member).access_token}")
    response = api_client.post("/api/v1/billing/subscriptions/", {"plan": "pro"})
    assert response.status_code == 403 and not Subscription.objects.exists()
    assert api_client.get("/api/v1/billing/invoices/").status_code == 200


def test_invoice_list_detail_pdf_and_strangers(auth_api, organization, other_organization, django_assert_max_num_queries):
    mine = [invoice(organization) for _ in range(3)]
    invoice(organization, finalize=False)
    theirs = invoice(other_organization)
    with django_assert_max_num_queries(6):
        response = auth_api.get("/api/v1/billing/invoices/")
    assert response.json()["count"] == 3
    detail = auth_api.get(f"/api/v1/billing/invoices/{mine[0].pk}/").json()
    assert detail["number"] == mine[0].number and detail["lines"][0]["net_amount"] == 1000
    assert detail["vat_breakdown"] == [{"rate": "20.00", "base": 1000, "vat": 200}]
    assert auth_api.get(f"/api/v1/billing/invoices/{mine[0].pk}/pdf/").status_code == 404  # not rendered yet
    Invoice.objects.filter(pk=mine[0].pk).update(pdf_file=default_storage.save("invoices/x.pdf", ContentFile(b"%PDF-1.7")))
    response = auth_api.get(f"/api/v1/billing/invoices/{mine[0].pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    for url in (f"/api/v1/billing/invoices/{theirs.pk}/", f"/api/v1/billing/invoices/{theirs.pk}/pdf/"):
        assert auth_api.get(url).status_code == 404
    assert auth_api.get("/api/v1/billing/invoices/?status=paid").json()["count"] == 0


def test_credit_note_of_a_stranger_is_404(auth_api, organization, other_organization):
    theirs = services.issue_credit_note(invoice=invoice(other_organization), amount=100, reason="x")
    mine = services.issue_credit_note(invoice=invoice(organization), amount=100, reason="x")
    assert auth_api.get(f"/api/v1/billing/credit-notes/{mine.pk}/").status_code == 200
    assert auth_api.get(f"/api/v1/billing/credit-notes/{theirs.pk}/").status_code == 404
    assert auth_api.get(f"/api/v1/billing/credit-notes/{theirs.pk}/pdf/").status_code == 404
