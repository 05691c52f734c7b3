"""The usage API of DESIGN.md: usage/, usage/history/, resources/available/, resources/,
resources/limits/, resources/purchase/, resources/{id}/ DELETE."""

import pytest

from accounts.tests.factories import MembershipFactory
from billing.models import Invoice
from usage import services
from usage.models import AddonPurchase, Metric
from usage.tests.conftest import GB
from usage.tests.factories import ActiveAddonFactory, AddonPurchaseFactory, UsageRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pro(organization, plans):
    plans.set(organization, "pro")
    return organization


def test_current_usage_shows_each_metric_against_its_limit(auth_api, organization):
    services.adjust_storage(organization=organization, delta_bytes=9 * GB // 10 + 1024**2)
    services.record(organization=organization, metric=Metric.API_REQUESTS, amount=4)
    response = auth_api.get("/api/v1/usage/")
    assert response.status_code == 200
    rows = {row["metric"]: row for row in response.json()["metrics"]}
    assert (
        rows["storage_bytes"] | {"used": 9 * GB // 10 + 1024**2, "limit": GB, "percent": 90, "level": "warn", "hard": True}
        == rows["storage_bytes"]
    )
    assert rows["api_requests"]["used"] >= 4  # this request itself is counted as well, once served
    assert rows["traffic_bytes"]["hard"] is False


def test_history_is_paginated_filtered_and_scoped(auth_api, organization, other_organization):
    UsageRecordFactory(organization=organization, metric="traffic_bytes", month="2026-01-01", value=10)
    UsageRecordFactory(organization=organization, metric="api_requests", month="2026-01-01", value=3)
    UsageRecordFactory(organization=other_organization, metric="traffic_bytes", month="2026-01-01", value=99)
    body = auth_api.get("/api/v1/usage/history/", {"metric": "traffic_bytes"}).json()
    assert body["count"] == 1 and body["results"][0]["value"] == 10
    assert auth_api.get("/api/v1/usage/history/", {"metric": "bogus"}).status_code == 400


def test_available_resources_are_priced_in_the_organizations_currency(auth_api, pro):
    body = auth_api.get("/api/v1/resources/available/").json()
    offers = {row["code"]: row for row in body["results"]}
    assert set(offers) == {"ram", "cpu", "traffic", "storage", "credits"}
    assert (offers["cpu"]["unit_amount"], offers["cpu"]["currency"], offers["cpu"]["allowed"]) == (200, "EUR", True)
    assert offers["storage"]["amount_per_unit"] == 10 * GB


def test_available_resources_are_not_allowed_on_free(auth_api, organization):
    body = auth_api.get("/api/v1/resources/available/").json()
    assert not any(row["allowed"] for row in body["results"])


def test_purchase_returns_the_invoice_to_pay_and_the_limit_rises_once_paid(auth_api, pro):
    response = auth_api.post("/api/v1/resources/purchase/", {"code": "storage", "quantity": 1}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["purchase"]["status"] == "pending"
    assert body["invoice"]["total"] == 120 and body["invoice"]["pay_url"].startswith("http")
    invoice = Invoice.objects.get(pk=body["invoice"]["id"])
    from billing.services import mark_invoice_paid

    mark_invoice_paid(invoice=invoice, amount=invoice.amount_due, reference="api-test")
    limits = {row["metric"]: row for row in auth_api.get("/api/v1/resources/limits/").json()}
    assert limits["storage_bytes"] == {
        "metric": "storage_bytes",
        "plan": 10 * GB,
        "addons": 10 * GB,
        "total": 20 * GB,
        "hard": True,
    }
    owned = auth_api.get("/api/v1/resources/").json()
    assert owned["count"] == 1 and owned["results"][0]["status"] == "active"


@pytest.mark.parametrize(
    "payload",
    [
        {"code": "storage", "quantity": 0},
        {"code": "storage", "quantity": 101},
        {"code": "storage", "quantity": "many"},
        {"code": "storage"},
        {"code": "gpu", "quantity": 1},
    ],
)
def test_bad_purchase_input_is_a_clear_error_and_changes_nothing(auth_api, pro, payload):
    response = auth_api.post("/api/v1/resources/purchase/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert not AddonPurchase.objects.exists() and not Invoice.objects.exists()


def test_purchase_on_free_is_refused(auth_api, organization):
    response = auth_api.post("/api/v1/resources/purchase/", {"code": "storage", "quantity": 1}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "addon_not_allowed"
    assert not AddonPurchase.objects.exists()


def test_purchase_while_suspended_is_refused(auth_api, pro):
    from accounts import entitlements

    entitlements._checks.append(lambda org: "Overdue invoices." if org == pro else None)
    try:
        response = auth_api.post("/api/v1/resources/purchase/", {"code": "storage", "quantity": 1}, format="json")
    finally:
        entitlements._checks.pop()
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "account_suspended"
    assert not AddonPurchase.objects.exists()


def test_members_who_are_not_managers_cannot_buy(api_client, pro):
    from rest_framework_simplejwt.tokens import RefreshToken

    member = MembershipFactory(organization=pro, role="member").user
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(member).access_token}")
    response = api_client.post("/api/v1/resources/purchase/", {"code": "storage", "quantity": 1}, format="json")
    assert response.status_code == 403
    assert not AddonPurchase.objects.exists()


def test_delete_stops_renewal(auth_api, pro):
    purchase = ActiveAddonFactory(organization=pro)
    response = auth_api.delete(f"/api/v1/resources/{purchase.pk}/")
    assert response.status_code == 200
    assert response.json()["renew"] is False and response.json()["status"] == "active"


def test_another_organizations_addon_is_a_404(auth_api, pro, other_organization):
    theirs = ActiveAddonFactory(organization=other_organization)
    assert auth_api.get(f"/api/v1/resources/{theirs.pk}/").status_code == 404
    assert auth_api.delete(f"/api/v1/resources/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.renew is True


def test_owned_resources_list_has_a_fixed_number_of_queries(auth_api, pro, django_assert_max_num_queries):
    for _ in range(3):
        AddonPurchaseFactory(organization=pro)
    with django_assert_max_num_queries(8):
        first = auth_api.get("/api/v1/resources/")
    for _ in range(10):
        AddonPurchaseFactory(organization=pro)
    with django_assert_max_num_queries(8):
        second = auth_api.get("/api/v1/resources/")
    assert first.json()["count"] == 3 and second.json()["count"] == 13


def test_anonymous_is_refused(api_client):
    assert api_client.get("/api/v1/usage/").status_code == 401


def test_history_and_catalogue_lists_have_a_fixed_number_of_queries(auth_api, organization, django_assert_max_num_queries):
    UsageRecordFactory(organization=organization, metric="traffic_bytes", month="2026-01-01", value=1)
    with django_assert_max_num_queries(6) as few:
        auth_api.get("/api/v1/usage/history/")
    for month in range(2, 13):
        UsageRecordFactory(organization=organization, metric="traffic_bytes", month=f"2025-{month:02d}-01", value=month)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert auth_api.get("/api/v1/usage/history/").json()["count"] == 12
    with django_assert_max_num_queries(8):
        assert auth_api.get("/api/v1/resources/available/").json()["count"] == 5
