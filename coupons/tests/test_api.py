import pytest
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle

from accounts.tests.factories import api_with_2fa
from billing.tests.factories import PlanFactory
from coupons import services
from coupons.models import Coupon, CouponUsage
from coupons.tests.factories import CouponFactory, FixedCouponFactory, paid_invoice

pytestmark = pytest.mark.django_db

VALIDATE = "/api/v1/coupons/validate/"
DAY = timezone.timedelta(days=1)


@pytest.fixture
def staff_api(api_client, admin_user):
    return api_with_2fa(api_client, admin_user)  # every coupon permission (the roles: test_staff_matrix.py)


def reserve(code, organization, target_id):
    return services.reserve(
        code=code, organization=organization, user=None, amount=10000, currency="EUR",
        target_type="order", target_id=target_id,
    )  # fmt: skip


# Each refusal reason: how to set it up, and what to send.
REFUSALS = {
    "unknown": (lambda org: None, {"code": "NOSUCHCODE"}),
    "inactive": (lambda org: CouponFactory(code="OFF", is_active=False), {"code": "off"}),
    "not_yet_valid": (lambda org: CouponFactory(code="SOON", valid_from=timezone.now() + DAY), {"code": "SOON"}),
    "expired": (
        lambda org: CouponFactory(code="OLD", valid_from=timezone.now() - 3 * DAY, valid_to=timezone.now() - DAY),
        {"code": "OLD"},
    ),
    "used_up": (lambda org: CouponFactory(code="GONE", max_uses=2, uses=2), {"code": "GONE"}),
    "used_up_for_organization": (
        lambda org: (CouponFactory(code="MINE", max_uses_per_organization=1), reserve("MINE", org, "1")),
        {"code": "MINE"},
    ),
    "below_minimum": (lambda org: CouponFactory(code="BIGCART", minimums={"EUR": 20000}), {"code": "BIGCART"}),
    "not_applicable": (
        lambda org: CouponFactory(code="PLANS", plans=[PlanFactory(code="business").code]),
        {"code": "PLANS", "plan_code": "pro"},
    ),
    "not_eligible": (lambda org: CouponFactory(code="LOYAL", eligibility="existing_customers"), {"code": "LOYAL"}),
    "first_payment_only": (
        lambda org: (CouponFactory(code="FIRST", first_payment_only=True), paid_invoice(org, source_type="order")),
        {"code": "FIRST"},
    ),
    "currency_mismatch": (lambda org: FixedCouponFactory(code="FIVEEUR"), {"code": "FIVEEUR", "currency": "XOF"}),
}


@pytest.mark.parametrize("reason", list(REFUSALS))
def test_every_refusal_reason_through_the_api(auth_api, organization, reason):
    setup, body = REFUSALS[reason]
    setup(organization)

    response = auth_api.post(VALIDATE, {"amount": 10000, "currency": "EUR", **body}, format="json")

    assert response.status_code == 200
    data = response.json()
    assert (data["valid"], data["reason"], data["discount"], data["final_amount"]) == (False, reason, 0, 10000)
    assert data["message"]
    assert set(services.REASONS) == set(REFUSALS)


def test_below_minimum_names_the_minimum_in_the_cart_currency(api_client):
    response = api_client.post(VALIDATE, {"code": "bienvenue10", "amount": 10000, "currency": "XOF"}, format="json")
    assert response.json()["reason"] == "below_minimum"
    assert "13,119" in response.json()["message"] and "F" in response.json()["message"]


def test_a_visitor_validates_a_default_code(api_client):
    response = api_client.post(VALIDATE, {"code": "vip20", "amount": 6000, "currency": "EUR"}, format="json")
    assert response.json() == {
        "valid": True, "code": "VIP20", "reason": "", "message": "The code VIP20 takes €12.00 off.",
        "discount": 1200, "final_amount": 4800, "currency": "EUR",
    }  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [
        {"code": "", "amount": 100, "currency": "EUR"},
        {"code": "X" * 51, "amount": 100, "currency": "EUR"},
        {"code": "VIP20", "amount": -1, "currency": "EUR"},
        {"code": "VIP20", "amount": "12.50", "currency": "EUR"},
        {"code": "VIP20", "amount": 100, "currency": "USD"},
    ],
)
def test_validate_refuses_bad_input(api_client, body):
    response = api_client.post(VALIDATE, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_validation_is_throttled(api_client):
    limit = int(ScopedRateThrottle.THROTTLE_RATES["coupon_validate"].split("/")[0])
    body = {"code": f"GUESS{0}", "amount": 100, "currency": "EUR"}
    statuses = [api_client.post(VALIDATE, {**body, "code": f"GUESS{n}"}, format="json").status_code for n in range(limit + 1)]
    assert statuses == [200] * limit + [429]
    assert api_client.post(VALIDATE, body, format="json").json()["error"]["code"] == "throttled"


# --- staff ---------------------------------------------------------------------------------------

NEW = {
    "code": "spring25", "name": "Spring", "discount_type": "percentage", "percent_off": "25.00",
    "minimums": [{"currency": "EUR", "amount": 3000}, {"currency": "XOF", "amount": 20000}],
    "max_uses": 100, "duration": "repeating", "duration_months": 3,
}  # fmt: skip


def test_staff_only(auth_api):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/coupons/").status_code == 401
    assert auth_api.get("/api/v1/coupons/").status_code == 403
    assert auth_api.post("/api/v1/coupons/", NEW, format="json").status_code == 403
    assert auth_api.get("/api/v1/coupons/VIP20/usages/").status_code == 403
    assert auth_api.post("/api/v1/coupons/VIP20/deactivate/").status_code == 403
    assert Coupon.objects.get(code="VIP20").is_active


def test_staff_creates_a_coupon(staff_api, organization):
    PlanFactory(code="pro")
    response = staff_api.post("/api/v1/coupons/", {**NEW, "plans": ["pro"]}, format="json")

    assert response.status_code == 201, response.json()
    coupon = Coupon.objects.get(code="SPRING25")
    assert (coupon.percent_off, coupon.duration_months, coupon.plans) == (25, 3, ["pro"])
    assert dict(coupon.minimums.values_list("currency", "amount")) == {"EUR": 3000, "XOF": 20000}
    check = services.validate(code="spring25", organization=organization, amount=2999, currency="EUR", plan_code="pro")
    assert check.reason == "below_minimum"


def test_a_scope_naming_what_does_not_exist_is_refused(staff_api):
    from catalog.tests.factories import CategoryFactory, ProductFactory

    PlanFactory(code="pro")
    ProductFactory(slug="portrait")
    CategoryFactory(slug="images")
    scope = {"plans": ["pro", "gold"], "products": ["portrait"], "categories": ["images", "nope"]}
    response = staff_api.post("/api/v1/coupons/", {**NEW, **scope}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"plans": ["Not found: gold."]}
    assert not Coupon.objects.filter(code="SPRING25").exists()
    response = staff_api.post("/api/v1/coupons/", {**NEW, **scope, "plans": ["pro"]}, format="json")
    assert response.json()["error"]["fields"] == {"categories": ["Not found: nope."]}
    scope.update(plans=["pro", "pro"], categories=["images"])  # the same reference twice is kept once
    response = staff_api.post("/api/v1/coupons/", {**NEW, **scope}, format="json")
    assert response.status_code == 201, response.json()
    coupon = Coupon.objects.get(code="SPRING25")
    assert (coupon.plans, coupon.products, coupon.categories) == (["pro"], ["portrait"], ["images"])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": ""}, "code"),
        ({"code": "C" * 51}, "code"),
        ({"code": "two words"}, "code"),
        ({"code": "VIP20"}, "code"),
        ({"code": "vip20"}, "code"),  # codes are unique whatever the case
        ({"percent_off": "100.01"}, "percent_off"),
        ({"percent_off": "0"}, "percent_off"),
        ({"percent_off": "-5"}, "percent_off"),
        ({"discount_type": "fixed_amount", "percent_off": None, "amount_off": 500}, "currency"),
        ({"valid_from": "2026-06-01T00:00:00Z", "valid_to": "2026-05-01T00:00:00Z"}, "valid_to"),
        ({"duration_months": None}, "duration_months"),
        ({"minimums": [{"currency": "EUR", "amount": 0}]}, "minimums"),
        ({"minimums": [{"currency": "EUR", "amount": 1}, {"currency": "EUR", "amount": 2}]}, "minimums"),
    ],
)
def test_staff_bad_input_is_refused_and_changes_nothing(staff_api, changes, field):
    before = Coupon.objects.count()
    response = staff_api.post("/api/v1/coupons/", {**NEW, **changes}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["fields"] and error["message"]
    assert Coupon.objects.count() == before


def test_staff_reads_and_updates_by_code(staff_api):
    assert staff_api.get("/api/v1/coupons/vip20/").json()["minimums"] == [
        {"currency": "EUR", "amount": 5000}, {"currency": "XOF", "amount": 32798},
    ]  # fmt: skip
    response = staff_api.patch(
        "/api/v1/coupons/VIP20/", {"max_uses": 80, "minimums": [{"currency": "EUR", "amount": 4000}]}, format="json"
    )
    assert response.status_code == 200, response.json()
    coupon = Coupon.objects.get(code="VIP20")
    assert coupon.max_uses == 80
    assert list(coupon.minimums.values_list("currency", "amount")) == [("EUR", 4000)]
    assert staff_api.patch("/api/v1/coupons/VIP20/", {"percent_off": "150"}, format="json").status_code == 400
    assert Coupon.objects.get(code="VIP20").percent_off == 20
    assert staff_api.get("/api/v1/coupons/NOPE/").status_code == 404
    Coupon.objects.filter(code="VIP20").update(uses=12)
    response = staff_api.patch("/api/v1/coupons/vip20/", {"max_uses": 10}, format="json")
    assert response.status_code == 400 and "max_uses" in response.json()["error"]["fields"]


def test_delete_only_a_coupon_never_used(staff_api, organization):
    assert staff_api.delete("/api/v1/coupons/flash50/").status_code == 204
    assert not Coupon.objects.filter(code="FLASH50").exists()

    reserve("VIP20", organization, "5")
    services.release(target_type="order", target_id="5")  # even a released use is history
    response = staff_api.delete("/api/v1/coupons/VIP20/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "coupon_used" and "deactivate" in response.json()["error"]["message"]
    assert Coupon.objects.filter(code="VIP20").exists()


def test_deactivate(staff_api, organization):
    response = staff_api.post("/api/v1/coupons/vip20/deactivate/")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert services.validate(code="VIP20", organization=organization, amount=9000, currency="EUR").reason == "inactive"


def test_usages_are_paginated_with_a_fixed_number_of_queries(
    staff_api, organization, other_organization, django_assert_max_num_queries
):
    for n in range(30):
        reserve("PROMO5", organization, str(n))
    with django_assert_max_num_queries(4):
        response = staff_api.get("/api/v1/coupons/promo5/usages/?status=reserved")
    data = response.json()
    assert data["count"] == 30 and len(data["results"]) < 30 and data["next"]
    assert data["results"][0]["organization"] == organization.slug
    assert CouponUsage.objects.count() == 30


def test_coupon_list_is_filtered_and_has_a_fixed_number_of_queries(staff_api, django_assert_max_num_queries):
    CouponFactory.create_batch(15, is_active=False)
    with django_assert_max_num_queries(7):
        response = staff_api.get("/api/v1/coupons/?is_active=false")
    assert response.json()["count"] == 15
