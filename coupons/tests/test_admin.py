import csv
import html
import io

import pytest

from coupons import services
from coupons.models import Coupon
from coupons.tests.factories import CouponFactory, paid_invoice

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/coupons/coupon/"


def reserve(code, organization, target_id, amount=10000):
    return services.reserve(
        code=code, organization=organization, user=None, amount=amount, currency="EUR",
        target_type="order", target_id=target_id,
    )  # fmt: skip


def listed(response):
    return {coupon.code for coupon in response.context["cl"].result_list}


def test_filters_active_type_expired_exhausted(admin_client):
    from django.utils import timezone

    CouponFactory(code="EXPIRED", valid_to=timezone.now() - timezone.timedelta(hours=1))
    CouponFactory(code="FULL", max_uses=1, uses=1)
    assert listed(admin_client.get(CHANGELIST, {"expired": "yes"})) == {"EXPIRED"}
    assert listed(admin_client.get(CHANGELIST, {"exhausted": "yes"})) == {"FULL"}
    assert listed(admin_client.get(CHANGELIST, {"discount_type__exact": "fixed_amount"})) == {"PROMO5"}
    Coupon.objects.filter(code="VIP20").update(is_active=False)
    assert listed(admin_client.get(CHANGELIST, {"is_active__exact": "0"})) == {"VIP20"}


def test_change_page_shows_usages_and_statistics(admin_client, organization):
    reserve("VIP20", organization, "1", amount=10000)
    reserve("VIP20", organization, "2", amount=5000)
    paid_invoice(organization, source_type="order", source_id="1")
    services.confirm(target_type="order", target_id="1")
    coupon = Coupon.objects.get(code="VIP20")

    page = html.unescape(admin_client.get(f"{CHANGELIST}{coupon.pk}/change/").content.decode())

    assert "1 confirmed, 1 reserved" in page
    assert "€20.00" in page and "€80.00" in page  # discount granted and revenue of the paid order
    assert "Used in — of the shop's paid checkouts" in page  # no paid checkout in the shop yet

    from catalog.models import Order

    for status in ("fulfilled", "paid", "refunded", "paid", "pending"):  # 4 paid checkouts, 1 with the code
        Order.objects.create(organization=organization, status=status, currency="EUR", billing_name="x",
                             billing_email="x@example.test", payment_method="card")
    page = html.unescape(admin_client.get(f"{CHANGELIST}{coupon.pk}/change/").content.decode())
    assert "Used in 25.0 % of the shop's paid checkouts" in page
    assert page.count(organization.name) >= 2  # both usages in the read-only inline


def test_csv_export_of_usages(admin_client, organization):
    reserve("VIP20", organization, "1")
    reserve("PROMO5", organization, "2")
    ids = list(Coupon.objects.filter(code__in=["VIP20", "PROMO5"]).values_list("pk", flat=True))

    response = admin_client.post(CHANGELIST, {"action": "export_usages", "_selected_action": ids})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["coupon"], r["target_id"], r["discount"], r["final_amount"]) for r in rows] == [
        ("PROMO5", "2", "5.00", "95.00"), ("VIP20", "1", "20.00", "80.00"),  # in euros, as staff read them
    ]  # fmt: skip


def test_a_used_coupon_cannot_be_deleted_from_the_admin(admin_client, organization):
    reserve("VIP20", organization, "1")
    coupon = Coupon.objects.get(code="VIP20")
    assert admin_client.post(f"{CHANGELIST}{coupon.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Coupon.objects.filter(pk=coupon.pk).exists()


def test_campaign_batch_then_redeemed_from_the_api(admin_client, api_client, organization):
    response = admin_client.post(
        f"{CHANGELIST}campaign/",
        {
            "prefix": "summer", "count": 25, "name": "Summer mailing", "discount_type": "fixed_amount",
            "amount_off": "7.50", "currency": "EUR", "valid_from": "2020-01-01 00:00", "eligibility": "all",
            "duration": "once", "minimum_amount": "30", "minimum_currency": "EUR",
        },
    )  # fmt: skip
    assert response.status_code == 302
    batch = Coupon.objects.filter(code__startswith="SUMMER-")
    assert batch.count() == 25 and len(set(batch.values_list("code", flat=True))) == 25
    assert set(batch.values_list("amount_off", "max_uses", "max_uses_per_organization")) == {(750, 1, 1)}
    code = batch.first().code

    checked = api_client.post(
        "/api/v1/coupons/validate/", {"code": code.lower(), "amount": 4000, "currency": "EUR"}, format="json"
    )
    assert (checked.json()["valid"], checked.json()["final_amount"]) == (True, 3250)
    assert (
        api_client.post("/api/v1/coupons/validate/", {"code": code, "amount": 2999, "currency": "EUR"}, format="json").json()[
            "reason"
        ]
        == "below_minimum"
    )
    reserve(code, organization, "77", amount=4000)
    assert (
        api_client.post("/api/v1/coupons/validate/", {"code": code, "amount": 4000, "currency": "EUR"}, format="json").json()[
            "reason"
        ]
        == "used_up"
    )


def test_campaign_bad_input_creates_nothing(admin_client):
    before = Coupon.objects.count()
    response = admin_client.post(
        f"{CHANGELIST}campaign/",
        {
            "prefix": "fall", "count": 5, "name": "Fall", "discount_type": "percentage", "percent_off": "120",
            "valid_from": "2020-01-01 00:00", "eligibility": "all", "duration": "once",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "percent_off" in response.context["form"].errors
    assert Coupon.objects.count() == before


def test_usage_ledger_is_read_only(admin_client, organization):
    usage = reserve("VIP20", organization, "1")
    assert admin_client.get("/admin/coupons/couponusage/").status_code == 200
    assert admin_client.post(f"/admin/coupons/couponusage/{usage.pk}/change/", {"status": "confirmed"}).status_code == 403
    usage.refresh_from_db()
    assert usage.status == "reserved"
    export = admin_client.post("/admin/coupons/couponusage/", {"action": "export_csv", "_selected_action": [usage.pk]})
    assert export.content.decode().splitlines()[1].startswith("VIP20,Alice Studio,")


def test_add_and_campaign_pages_render(admin_client):
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 200
    assert "Campaign batch" in admin_client.get(CHANGELIST).content.decode()
    assert admin_client.get(f"{CHANGELIST}campaign/").status_code == 200


def admin_form(**fields):
    """The admin's add form as staff fill it in: a percentage coupon valid from 2026, no limits,
    no minimum (the inlines' management forms included)."""
    return {
        "discount_type": "percentage", "valid_from_0": "2026-01-01", "valid_from_1": "00:00:00", "max_uses": 0,
        "max_uses_per_organization": 0, "eligibility": "all", "duration": "once", "is_active": "on",
        "minimums-TOTAL_FORMS": 0, "minimums-INITIAL_FORMS": 0, "usages-TOTAL_FORMS": 0, "usages-INITIAL_FORMS": 0,
        **fields,
    }  # fmt: skip


def test_admin_saves_codes_upper_case_and_refuses_bad_terms(admin_client):
    base = admin_form(name="Autumn")
    refused = admin_client.post(f"{CHANGELIST}add/", {**base, "code": "autumn", "percent_off": "0"})
    assert refused.status_code == 200 and "percent_off" in refused.context["adminform"].form.errors
    assert admin_client.post(f"{CHANGELIST}add/", {**base, "code": "autumn", "percent_off": "15"}).status_code == 302
    assert Coupon.objects.filter(code="AUTUMN").exists()


def test_staff_type_and_read_coupon_amounts_in_major_units(admin_client):
    base = admin_form(name="Twenty off", discount_type="fixed_amount", currency="EUR", **{
        "minimums-TOTAL_FORMS": 1, "minimums-0-currency": "EUR", "minimums-0-amount": "50.00",
    })  # fmt: skip
    refused = admin_client.post(f"{CHANGELIST}add/", {**base, "code": "TWENTY", "amount_off": "20.005"})
    assert refused.status_code == 200 and not Coupon.objects.filter(code="TWENTY").exists()  # 3 decimals: refused, not rounded
    response = admin_client.post(f"{CHANGELIST}add/", {**base, "code": "TWENTY", "amount_off": "20.00"})
    assert response.status_code == 302
    coupon = Coupon.objects.get(code="TWENTY")
    assert (coupon.amount_off, coupon.minimums.get().amount) == (2000, 5000)  # stored in cents
    page = admin_client.get(f"{CHANGELIST}{coupon.pk}/change/").content.decode()
    assert 'name="amount_off" value="20.00"' in page and 'value="50.00"' in page
    assert 'value="2000"' not in page and 'value="5000"' not in page


def test_staff_pick_the_scope_among_what_exists(admin_client):
    from billing.tests.factories import PlanFactory
    from catalog.tests.factories import CategoryFactory, ProductFactory

    PlanFactory(code="pro", name="Pro")
    ProductFactory(slug="portrait", name="Portrait")
    CategoryFactory(slug="images", name="Images")
    form = admin_client.get(f"{CHANGELIST}add/").context["adminform"].form
    assert ("portrait", "Portrait") in form.fields["products"].choices and ("pro", "Pro") in form.fields["plans"].choices
    base = admin_form(name="Scoped", percent_off="15", plans=["pro"], categories=["images"])
    refused = admin_client.post(f"{CHANGELIST}add/", {**base, "code": "SCOPED", "products": ["portrait", "gone"]})
    assert refused.status_code == 200 and "products" in refused.context["adminform"].form.errors
    assert admin_client.post(f"{CHANGELIST}add/", {**base, "code": "SCOPED", "products": ["portrait"]}).status_code == 302
    coupon = Coupon.objects.get(code="SCOPED")
    assert (coupon.plans, coupon.products, coupon.categories) == (["pro"], ["portrait"], ["images"])
