"""Promo codes on the cart through the coupons app: the discount spread over the lines with VAT
on what is left, the exact reason of a refusal, and the code's use held, confirmed or released
with the order."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice
from catalog import selectors, services
from catalog.models import Cart, Order
from catalog.tests.factories import ProductFactory
from catalog.tests.test_checkout import BILLING, fill, pay
from coupons.models import Coupon, CouponUsage
from coupons.tests.factories import CouponFactory, FixedCouponFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def eur_cart(auth_api):
    ProductFactory(slug="pack", eur=1999)
    ProductFactory(slug="guide", eur=999, vat_rate=Decimal("5.50"))
    auth_api.post("/api/v1/cart/items/", {"product": "pack", "quantity": 3}, format="json")
    auth_api.post("/api/v1/cart/items/", {"product": "guide", "quantity": 1}, format="json")
    return auth_api


def test_a_percent_code_in_eur_is_spread_over_the_lines_and_vat_follows(eur_cart):
    CouponFactory(code="TENOFF", percent_off=Decimal("10.00"))
    body = eur_cart.post("/api/v1/cart/coupon/", {"code": "tenoff"}, format="json").json()
    # 10 % of 69.96 = 7.00, spread 6.00 on the packs and 1.00 on the guide (largest remainder)
    assert [line["discount_amount"] for line in body["lines"]] == [600, 100]
    assert body["vat_by_rate"] == [{"rate": "5.50", "base": 899, "vat": 49}, {"rate": "20.00", "base": 5397, "vat": 1079}]
    assert (body["subtotal"], body["discount"], body["vat"], body["total"]) == (6996, 700, 1128, 7424)
    assert body["coupon"]["code"] == "TENOFF" and body["coupon"]["valid"]
    assert eur_cart.delete("/api/v1/cart/coupon/").json()["discount"] == 0


def test_a_fixed_code_in_xof_keeps_whole_francs(client, other_user):
    ProductFactory(slug="pack", xof=6555, vat_rate=Decimal("18.00"))
    FixedCouponFactory(code="MILLE", currency="XOF", amount_off=1000)
    client.force_login(other_user)
    client.post(reverse("catalog:cart_add"), {"product": "pack", "quantity": "3"})
    client.post(reverse("catalog:coupon_apply"), {"code": "MILLE"})
    totals = client.get(reverse("catalog:cart")).context["totals"]
    # 19 665 − 1 000 = 18 665 F; VAT 18 % = 3 359.7 → 3 360 F
    assert (totals.currency, totals.subtotal, totals.discount, totals.vat, totals.total) == ("XOF", 19665, 1000, 3360, 22025)


@pytest.mark.parametrize(
    "coupon, code, reason",
    [
        (
            {"code": "OLD", "valid_from": timezone.now() - timedelta(days=9), "valid_to": timezone.now() - timedelta(days=1)},
            "OLD",
            "expired",
        ),
        ({"code": "BIG", "minimums": {"EUR": 100000}}, "BIG", "below_minimum"),
        (None, "NOPE", "unknown"),
    ],
)
def test_a_refused_code_gives_its_reason_and_changes_nothing(eur_cart, user, coupon, code, reason):
    if coupon:
        CouponFactory(**coupon)
    response = eur_cart.post("/api/v1/cart/coupon/", {"code": code}, format="json")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == reason and error["fields"]["code"] == [error["message"]] and code in error["message"]
    assert Cart.objects.get(user=user).coupon_code == ""


def test_a_code_that_stops_applying_shows_why_and_blocks_checkout(eur_cart):
    coupon = CouponFactory(code="TENOFF")
    eur_cart.post("/api/v1/cart/coupon/", {"code": "TENOFF"}, format="json")
    Coupon.objects.filter(pk=coupon.pk).update(is_active=False)
    body = eur_cart.get("/api/v1/cart/").json()
    assert body["discount"] == 0 and body["coupon"]["reason"] == "inactive"
    response = eur_cart.post("/api/v1/checkout/", {"payment_method": "card"}, format="json")
    assert response.status_code == 422 and response.json()["error"]["code"] == "inactive"
    assert not Order.objects.exists()


def test_checkout_freezes_the_discount_and_the_code_is_held_then_confirmed(eur_cart, user, organization):
    coupon = CouponFactory(code="TENOFF", max_uses=1)
    eur_cart.post("/api/v1/cart/coupon/", {"code": "TENOFF"}, format="json")
    response = eur_cart.post("/api/v1/checkout/", {"payment_method": "card", "expected_total": 7424}, format="json")
    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert (order.coupon_code, order.discount, order.total) == ("TENOFF", 700, 7424)
    assert sorted(order.lines.values_list("discount_amount", flat=True)) == [100, 600]
    invoice = Invoice.objects.get(pk=order.invoice_id)
    assert (invoice.coupon_code, invoice.discount_total, invoice.total) == ("TENOFF", 700, 7424)
    assert CouponUsage.objects.get(coupon=coupon).status == "reserved"
    assert Cart.objects.get(user=user).coupon_code == ""
    pay(order)
    assert CouponUsage.objects.get(coupon=coupon).status == "confirmed"


def test_canceling_the_order_gives_the_code_back(user, organization):
    coupon = CouponFactory(code="ONCE", max_uses=1)
    cart = fill(user, organization, (ProductFactory(), 1))
    services.apply_coupon(cart=cart, code="ONCE", organization=organization, currency="EUR")
    order = services.checkout(cart=cart, organization=organization, user=user, billing=BILLING, payment_method="card")
    coupon.refresh_from_db()
    assert coupon.uses == 1
    services.request_cancel(order=order, reason="changed my mind")
    coupon.refresh_from_db()
    assert coupon.uses == 0 and CouponUsage.objects.get().status == "released"


def test_a_visitors_code_is_kept_at_login(client, user, organization):
    ProductFactory(slug="pack")
    CouponFactory(code="WELCOME")
    client.post(reverse("catalog:cart_add"), {"product": "pack", "quantity": "1"})
    client.post(reverse("catalog:coupon_apply"), {"code": "WELCOME"})
    client.force_login(user)
    page = client.get(reverse("catalog:cart"))
    assert page.context["totals"].discount == 100 and "WELCOME" in page.content.decode()


def test_the_cart_page_shows_a_refusal_as_a_message(client):
    ProductFactory(slug="pack")
    client.post(reverse("catalog:cart_add"), {"product": "pack", "quantity": "1"})
    page = client.post(reverse("catalog:coupon_apply"), {"code": "NOPE"}, follow=True)
    assert "The code NOPE does not exist" in page.content.decode()


def test_a_scoped_coupon_discounts_only_its_items_on_a_mixed_cart(client, other_user, other_organization):
    """50 % meant for a 4,000 F item takes 2,000 F off, not half of the whole cart."""
    from catalog.tests.factories import CategoryFactory

    images = CategoryFactory(slug="images")
    ProductFactory(slug="portrait", xof=4000, category=CategoryFactory(slug="portraits", parent=images))
    ProductFactory(slug="studio-pack", xof=327000)
    coupon = CouponFactory(code="HALFIMAGE", percent_off=Decimal("50.00"), categories=[images.slug])
    client.force_login(other_user)
    client.post(reverse("catalog:cart_add"), {"product": "portrait", "quantity": "1"})
    client.post(reverse("catalog:cart_add"), {"product": "studio-pack", "quantity": "1"})
    client.post(reverse("catalog:coupon_apply"), {"code": "HALFIMAGE"})
    totals = client.get(reverse("catalog:cart")).context["totals"]
    assert {line.product.slug: line.discount_amount for line in totals.lines} == {"portrait": 2000, "studio-pack": 0}
    assert (totals.subtotal, totals.discount) == (331000, 2000)
    cart = Cart.objects.get(user=other_user)
    order = services.checkout(
        cart=cart, organization=other_organization, user=other_user, billing=BILLING,
        payment_method="card",
    )  # fmt: skip
    assert Invoice.objects.get(pk=order.invoice_id).discount_total == 2000
    assert CouponUsage.objects.get(coupon=coupon).discount == 2000


def test_a_scoped_coupon_on_a_cart_without_its_items_says_why(client, other_user):
    ProductFactory(slug="studio-pack", xof=327000)
    portrait = ProductFactory(slug="portrait", xof=4000)
    CouponFactory(code="ONLYPORTRAIT", percent_off=Decimal("50.00"), products=[portrait.slug])
    client.force_login(other_user)
    client.post(reverse("catalog:cart_add"), {"product": "studio-pack", "quantity": "1"})
    client.post(reverse("catalog:coupon_apply"), {"code": "ONLYPORTRAIT"})
    cart = Cart.objects.get()
    assert cart.coupon_code == ""
    check = selectors.check_coupon(
        code="ONLYPORTRAIT",
        lines=selectors.cart_totals(cart=cart, currency="XOF", organization=None)[0].lines,
        currency="XOF",
        organization=None,
    )
    assert (check.valid, check.reason) == (False, "not_applicable")
