"""Carts: adding, changing and removing, bad input, totals with VAT in EUR and XOF, and the
anonymous cart kept at login."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog import selectors, services
from catalog.models import Cart, CartItem
from catalog.pricing import PricedLine, Totals
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def cart_of(user, organization):
    return Cart.objects.get(user=user, organization=organization)


def test_add_change_remove_and_clear_through_the_api(auth_api, user, organization):
    pack = ProductFactory(slug="pack", eur=1000)
    guide = ProductFactory(slug="guide", eur=250, vat_rate=Decimal("5.50"))
    body = auth_api.post("/api/v1/cart/items/", {"product": "pack", "quantity": 2}, format="json").json()
    assert body["total"] == 2400 and body["currency"] == "EUR"
    body = auth_api.post("/api/v1/cart/items/", {"product": "pack"}, format="json").json()
    assert body["lines"][0]["quantity"] == 3
    auth_api.post("/api/v1/cart/items/", {"product": "guide", "quantity": 1}, format="json")
    item = CartItem.objects.get(product=guide)
    body = auth_api.patch(f"/api/v1/cart/items/{item.pk}/", {"quantity": 4}, format="json").json()
    # 3 × 10.00 at 20 % + 4 × 2.50 at 5.5 %: 30.00 + 6.00 and 10.00 + 0.55
    assert body["vat_by_rate"] == [{"rate": "5.50", "base": 1000, "vat": 55}, {"rate": "20.00", "base": 3000, "vat": 600}]
    assert (body["subtotal"], body["vat"], body["total"]) == (4000, 655, 4655)
    body = auth_api.delete(f"/api/v1/cart/items/{item.pk}/").json()
    assert [line["product"] for line in body["lines"]] == ["pack"]
    assert auth_api.delete("/api/v1/cart/").json()["lines"] == []
    assert not CartItem.objects.filter(cart__organization=organization).exists()
    assert pack.prices.get(currency="EUR").amount == 1000


@pytest.mark.parametrize(
    "payload, status, code",
    [
        ({"product": "nope", "quantity": 1}, 404, "product_not_found"),
        ({"product": "retired", "quantity": 1}, 404, "product_not_found"),
        ({"product": "pack", "quantity": 0}, 400, "validation_error"),
        ({"product": "pack", "quantity": "two"}, 400, "validation_error"),
        ({"product": "pack", "quantity": 100}, 400, "validation_error"),
        ({"product": "pack", "quantity": 1, "unit_amount": 1}, 400, "validation_error"),
        ({"product": "flash", "quantity": 3}, 409, "quantity_above_stock"),
        ({"product": "gone", "quantity": 1}, 409, "sold_out"),
        ({"product": "xof-only", "quantity": 1}, 400, "currency_not_available"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(auth_api, payload, status, code):
    ProductFactory(slug="pack")
    ProductFactory(slug="retired", is_active=False)
    ProductFactory(slug="flash", stock=2)
    ProductFactory(slug="gone", stock=0)
    ProductFactory(slug="xof-only", eur=False)
    response = auth_api.post("/api/v1/cart/items/", payload, format="json")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert not CartItem.objects.exists()


def test_a_cart_item_of_another_organization_is_a_404(auth_api, other_user, other_organization):
    other_cart = Cart.objects.create(organization=other_organization, user=other_user)
    item = CartItem.objects.create(cart=other_cart, product=ProductFactory(), quantity=1)
    assert auth_api.patch(f"/api/v1/cart/items/{item.pk}/", {"quantity": 5}, format="json").status_code == 404
    assert auth_api.delete(f"/api/v1/cart/items/{item.pk}/").status_code == 404
    item.refresh_from_db()
    assert item.quantity == 1


def test_prices_come_from_the_server_at_each_change(auth_api):
    pack = ProductFactory(slug="pack", eur=1000)
    auth_api.post("/api/v1/cart/items/", {"product": "pack", "quantity": 1}, format="json")
    pack.prices.filter(currency="EUR").update(amount=1500)
    assert auth_api.get("/api/v1/cart/").json()["subtotal"] == 1500


def test_withdrawn_products_are_set_apart(auth_api):
    pack = ProductFactory(slug="pack")
    auth_api.post("/api/v1/cart/items/", {"product": "pack", "quantity": 1}, format="json")
    pack.is_active = False
    pack.save()
    body = auth_api.get("/api/v1/cart/").json()
    assert body["lines"] == [] and body["unavailable"][0]["product"] == "pack" and body["total"] == 0


def test_totals_with_vat_and_a_discount_in_eur():
    lines = [
        PricedLine(product=None, quantity=3, unit_amount=1999, vat_rate=Decimal("20.00"), discount_amount=600),
        PricedLine(product=None, quantity=1, unit_amount=999, vat_rate=Decimal("5.50")),
    ]
    totals = Totals(currency="EUR", lines=lines)
    # 59.97 − 6.00 = 53.97, VAT 10.794 → 10.79; 9.99 VAT 0.549 → 0.55
    assert totals.vat_by_rate == [(Decimal("5.50"), 999, 55), (Decimal("20.00"), 5397, 1079)]
    assert (totals.subtotal, totals.discount, totals.vat, totals.total) == (6996, 600, 1134, 7530)


def test_totals_with_vat_and_a_discount_in_xof_have_no_decimals():
    lines = [PricedLine(product=None, quantity=3, unit_amount=6555, vat_rate=Decimal("18.00"), discount_amount=1000)]
    totals = Totals(currency="XOF", lines=lines)
    # 19 665 − 1 000 = 18 665 F, VAT 18 % = 3 359.7 → 3 360 F (half-up on whole francs)
    assert (totals.subtotal, totals.discount, totals.vat, totals.total) == (19665, 1000, 3360, 22025)


def test_xof_cart_page_shows_whole_francs(client, other_user):
    ProductFactory(slug="pack", name="Pack", xof=6555)
    client.force_login(other_user)
    client.post(reverse("catalog:cart_add"), {"product": "pack", "quantity": "3"})
    response = client.get(reverse("catalog:cart"))
    totals = response.context["totals"]
    assert (totals.currency, totals.subtotal, totals.vat, totals.total) == ("XOF", 19665, 3933, 23598)
    assert "23\u202f598\xa0F\u202fCFA<" in response.content.decode()  # whole francs, in the organization's French


def test_anonymous_cart_is_merged_into_the_users_cart_at_login(client, user, organization):
    ProductFactory(slug="pack")
    flash = ProductFactory(slug="flash", stock=3)
    mine = Cart.objects.create(organization=organization, user=user)
    CartItem.objects.create(cart=mine, product=flash, quantity=2)
    CartItem.objects.create(cart=mine, product=ProductFactory(slug="kept"), quantity=1)
    client.post(reverse("catalog:cart_add"), {"product": "pack", "quantity": "2"})
    client.post(reverse("catalog:cart_add"), {"product": "flash", "quantity": "2"})
    anonymous = Cart.objects.get(user__isnull=True)

    client.force_login(user)

    assert not Cart.objects.filter(pk=anonymous.pk).exists()
    quantities = dict(cart_of(user, organization).items.values_list("product__slug", "quantity"))
    assert quantities == {"pack": 2, "flash": 3, "kept": 1}  # 2 + 2 of a 3-unit offer: capped at 3
    assert response_lines(client) == 3


def response_lines(client):
    return len(client.get(reverse("catalog:cart")).context["totals"].lines)


def test_adding_from_a_page_confirms_in_the_visitors_language(client):
    ProductFactory(slug="pack", name="Pack Découverte")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = client.post(reverse("catalog:cart_add"), {"product": "pack", "quantity": "1"}, follow=True).content.decode()
    assert "Pack Découverte est dans votre panier." in page


def test_page_errors_are_messages_and_change_nothing(client):
    ProductFactory(slug="pack")
    response = client.post(reverse("catalog:cart_add"), {"product": "pack", "quantity": "-1"}, follow=True)
    assert "whole number from 1 to 99" in response.content.decode()
    assert not CartItem.objects.exists()


def test_cart_page_update_remove_and_clear(client, user, organization):
    client.force_login(user)
    ProductFactory(slug="pack", eur=1000)
    client.post(reverse("catalog:cart_add"), {"product": "pack", "quantity": "1"})
    item = CartItem.objects.get()
    client.post(reverse("catalog:cart_update", args=[item.pk]), {"quantity": "4"})
    assert selectors.cart_totals(cart=item.cart, currency="EUR", organization=organization)[0].total == 4800
    client.post(reverse("catalog:cart_remove", args=[item.pk]))
    assert not CartItem.objects.exists()
    client.post(reverse("catalog:cart_add"), {"product": "pack", "quantity": "1"})
    client.post(reverse("catalog:cart_clear"))
    assert "Your cart is empty" in client.get(reverse("catalog:cart")).content.decode()


def test_old_anonymous_carts_are_purged(client, time_machine):
    time_machine.move_to("2026-01-01 12:00Z")
    ProductFactory(slug="pack")
    client.post(reverse("catalog:cart_add"), {"product": "pack", "quantity": "1"})
    time_machine.move_to("2026-03-01 12:00Z")
    from catalog.tasks import purge_anonymous_carts

    assert purge_anonymous_carts() == 1
    assert not Cart.objects.exists()


def test_merge_never_exceeds_the_maximum():
    product = ProductFactory()
    source, target = Cart.objects.create(), Cart.objects.create()
    CartItem.objects.create(cart=source, product=product, quantity=60)
    CartItem.objects.create(cart=target, product=product, quantity=60)
    services.merge_carts(source=source, target=target)
    assert target.items.get().quantity == services.MAX_QUANTITY


def test_adding_from_a_product_card_with_htmx_answers_a_status_line(client):
    ProductFactory(slug="pack")
    ProductFactory(slug="gone", stock=0)
    added = client.post(reverse("catalog:cart_add"), {"product": "pack", "quantity": "2"}, HTTP_HX_REQUEST="true")
    assert "View the cart (2)" in added.content.decode()
    refused = client.post(reverse("catalog:cart_add"), {"product": "gone"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200 and "sold out" in refused.content.decode()
    assert CartItem.objects.get().quantity == 2
