"""The customer's journey in a browser, through the real pages of catalog, accounts and billing:
search, add to the cart as a visitor, log in (the cart is kept), apply a promo code, check out, pay with the default
(sandbox) provider, and find the order fulfilled with its credits on the balance."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import MembershipFactory
from billing.models import Invoice
from billing.selectors import pay_url
from catalog.models import Order
from catalog.tests.factories import ProductFactory
from coupons.tests.factories import CouponFactory
from generation.selectors import credit_balance

pytestmark = pytest.mark.django_db


def test_search_add_login_checkout_pay_and_receive(client, run_on_commit):
    member = MembershipFactory(user__email="journey@example.test", user__password="correct-horse-battery")
    ProductFactory(name="Pack Découverte 100 crédits", slug="pack-100", credits=100, eur=990)

    found = client.get(reverse("catalog:catalog"), {"search": "pack"})
    assert [p.slug for p in found.context["products"]] == ["pack-100"]
    client.post(reverse("catalog:cart_add"), {"product": "pack-100", "quantity": "2"})

    to_login = client.get(reverse("catalog:checkout"))
    assert to_login.status_code == 302 and reverse("accounts:login") in to_login.url
    logged_in = client.post(to_login.url, {"username": "journey@example.test", "password": "correct-horse-battery"}, follow=True)
    assert logged_in.request["PATH_INFO"] == reverse("catalog:checkout")
    assert logged_in.context["totals"].total == 2376  # 2 × 9.90 + 20 % VAT, kept from the visitor's cart

    CouponFactory(code="WELCOME10")
    client.post(reverse("catalog:coupon_apply"), {"code": "welcome10"})
    checkout = client.get(reverse("catalog:checkout")).context
    assert (checkout["totals"].discount, checkout["totals"].total) == (198, 2138)  # 19.80 − 1.98, + 20 % VAT

    form = {**checkout["form"].initial, **checkout["identity"].initial, "payment_method": "card"}
    with run_on_commit(execute=True):
        to_invoice = client.post(reverse("catalog:checkout"), form)
    order = Order.objects.get()
    assert to_invoice.url == pay_url(Invoice.objects.get(pk=order.invoice_id), method="card")
    assert client.get(to_invoice.url).status_code == 200

    with run_on_commit(execute=True):
        paid = client.post(
            reverse("billing:invoice_pay", args=[order.invoice_id]),
            {"provider": "sandbox", "card_number": "4242424242424242"},
            follow=True,
        )
    assert paid.status_code == 200
    order.refresh_from_db()
    assert order.status == "fulfilled"
    assert credit_balance(organization=member.organization) == 200
    page = client.get(reverse("catalog:order_detail", args=[order.pk])).content.decode()
    assert "Fulfilled" in page and "Download the PDF" in page and "WELCOME10" in page
    confirmation = next(m for m in mail.outbox if order.number in m.subject)
    invoice = Invoice.objects.get(pk=order.invoice_id)
    assert [a[0] for a in confirmation.attachments] == [f"{invoice.number}.pdf"]


def test_the_same_journey_through_the_api(api_client, run_on_commit):
    ProductFactory(name="Pack 500", slug="pack-500", credits=500, xof=25000)
    CouponFactory(code="DAKAR", discount_type="fixed_amount", percent_off=None, amount_off=5000, currency="XOF")
    signup = {"email": "mobile@example.test", "password": "A-long-enough-passphrase", "currency": "XOF"}
    assert api_client.post("/api/v1/auth/register/", signup, format="json").status_code == 201
    tokens = api_client.post("/api/v1/auth/token/", {"email": signup["email"], "password": signup["password"]}, format="json")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")

    found = api_client.get("/api/v1/catalog/products/", {"search": "pack", "max_price": "30000", "ordering": "price"}).json()
    assert [p["slug"] for p in found["results"]] == ["pack-500"] and found["results"][0]["price"]["currency"] == "XOF"
    api_client.post("/api/v1/cart/items/", {"product": "pack-500", "quantity": 2}, format="json")
    cart = api_client.post("/api/v1/cart/coupon/", {"code": "DAKAR"}, format="json").json()
    assert (cart["subtotal"], cart["discount"]) == (50000, 5000)

    with run_on_commit(execute=True):
        placed = api_client.post(
            "/api/v1/checkout/", {"payment_method": "mobile_money", "expected_total": cart["total"]}, format="json"
        )
    assert placed.status_code == 201, placed.json()
    order_id, invoice_id = placed.json()["order"]["id"], placed.json()["invoice_id"]
    with run_on_commit(execute=True):
        paid = api_client.post(
            f"/api/v1/billing/invoices/{invoice_id}/pay/",
            {"provider": "sandbox", "card_number": "4242424242424242"},
            format="json",
        )
    assert paid.status_code == 201, paid.json()
    order = api_client.get(f"/api/v1/orders/{order_id}/").json()
    assert (order["status"], order["total"], order["coupon_code"]) == ("fulfilled", cart["total"], "DAKAR")
    assert credit_balance(organization=Order.objects.get(pk=order_id).organization) == 1000
