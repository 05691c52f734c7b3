"""Checkout, payment through billing, fulfilment exactly once, cancel and refund, the customer's
order pages and downloads, and tenancy (another organization's order is a 404)."""

import pytest
from django.core import mail
from django.urls import reverse

from billing import services as billing_services
from billing.models import Invoice
from billing.selectors import pay_url
from catalog import services
from catalog.models import Cart, CartItem, Order
from catalog.tasks import expire_pending_orders
from catalog.tests.factories import DigitalProductFactory, ProductFactory, ServiceProductFactory
from core.errors import InvalidTransition, ValidationFailed
from generation.models import CreditEntry, GenerationJob
from generation.selectors import credit_balance

pytestmark = pytest.mark.django_db

BILLING = {"legal_name": "Alice Studio SARL", "billing_email": "billing@alice.test", "city": "Lyon"}


def fill(user, organization, *items):
    cart, _ = Cart.objects.get_or_create(user=user, organization=organization)
    for product, quantity in items:
        CartItem.objects.create(cart=cart, product=product, quantity=quantity)
    return cart


def place(user, organization, *items, **kwargs):
    cart = fill(user, organization, *items)
    return services.checkout(cart=cart, organization=organization, user=user, billing=BILLING, payment_method="card", **kwargs)


def pay(order):
    invoice = Invoice.objects.get(pk=order.invoice_id)
    return billing_services.mark_invoice_paid(invoice=invoice, amount=invoice.amount_due, reference=f"test-{invoice.pk}")


def test_checkout_through_the_api_places_an_order_with_frozen_lines_and_its_invoice(auth_api, user, organization):
    ProductFactory(slug="pack", name="Pack 100", eur=1999, credits=100)
    auth_api.post("/api/v1/cart/items/", {"product": "pack", "quantity": 3}, format="json")
    response = auth_api.post("/api/v1/checkout/", {"payment_method": "card", "expected_total": 7196}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get()
    assert body["order"]["number"] == f"CMD-{order.pk:06d}" == order.number  # numbered from its id
    assert (order.status, order.subtotal, order.vat, order.total, order.currency) == ("pending", 5997, 1199, 7196, "EUR")
    line = order.lines.get()
    assert (line.product_name, line.quantity, line.unit_amount, line.vat_amount, line.total_amount) == (
        "Pack 100",
        3,
        1999,
        1199,
        7196,
    )
    assert order.billing_name == organization.display_legal_name  # prefilled from the organization
    invoice = Invoice.objects.get(pk=body["invoice_id"])
    assert (invoice.source_type, invoice.source_id, invoice.total) == ("order", str(order.pk), 7196)
    assert body["pay_url"] == f"http://testserver{pay_url(invoice, method='card')}"
    assert auth_api.get("/api/v1/cart/").json()["lines"] == []

    # Prices change afterwards: the order keeps what was sold.
    ProductFactory._meta.model.objects.get(slug="pack").prices.filter(currency="EUR").update(amount=5000)
    assert auth_api.get(f"/api/v1/orders/{order.pk}/").json()["lines"][0]["unit_amount"] == 1999


@pytest.mark.parametrize(
    "payload, status, code",
    [
        ({"payment_method": "card", "expected_total": 1}, 409, "total_mismatch"),
        ({"payment_method": "card", "total": 1}, 400, "validation_error"),
        ({"payment_method": "cheque"}, 400, "validation_error"),
    ],
)
def test_a_tampered_total_or_bad_input_places_nothing(auth_api, user, organization, payload, status, code):
    flash = ProductFactory(slug="flash", stock=5)
    fill(user, organization, (flash, 2))
    response = auth_api.post("/api/v1/checkout/", payload, format="json")
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert not Order.objects.exists() and not Invoice.objects.exists()
    flash.refresh_from_db()
    assert flash.stock == 5 and CartItem.objects.count() == 1


def test_checkout_with_an_empty_cart_is_refused(auth_api):
    response = auth_api.post("/api/v1/checkout/", {"payment_method": "card"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "empty_cart"


def test_checkout_of_a_sold_out_offer_is_refused_and_changes_nothing(user, organization):
    flash = ProductFactory(stock=1)
    cart = fill(user, organization, (flash, 2))
    with pytest.raises(Exception) as exc:
        services.checkout(cart=cart, organization=organization, user=user, billing=BILLING, payment_method="card")
    assert exc.value.code == "sold_out"
    flash.refresh_from_db()
    assert flash.stock == 1 and not Order.objects.exists() and cart.items.count() == 1


def test_payment_fulfils_once_even_when_the_paid_handler_runs_twice(user, organization, run_on_commit):
    credits = ProductFactory(credits=100)
    more = ProductFactory(credits=50)
    service = ServiceProductFactory()
    order = place(user, organization, (credits, 2), (more, 1), (service, 1))
    with run_on_commit(execute=True):
        invoice = pay(order)
        services.handle_invoice_paid(invoice)
        billing_services.mark_invoice_paid(invoice=invoice, amount=invoice.amount_due, reference=f"test-{invoice.pk}")
    order.refresh_from_db()
    assert order.status == "fulfilled" and order.paid_at and order.fulfilled_at
    assert credit_balance(organization=organization) == 250
    assert CreditEntry.objects.filter(organization=organization, order_ref=order.number).count() == 1
    assert GenerationJob.objects.filter(organization=organization, prepaid=True).count() == 1
    assert order.lines.get(product=service).job_ids == [GenerationJob.objects.get().pk]
    credits.refresh_from_db()
    assert credits.popularity == 2
    confirmations = [m for m in mail.outbox if order.number in m.subject and "confirmed" in m.subject]
    assert len(confirmations) == 1 and confirmations[0].to == [user.email]


def test_a_voided_invoice_cancels_the_order_and_releases_the_units(user, organization):
    flash = ProductFactory(stock=3)
    order = place(user, organization, (flash, 2))
    flash.refresh_from_db()
    assert flash.stock == 1
    billing_services.void_invoice(invoice=Invoice.objects.get(pk=order.invoice_id), reason="customer changed their mind")
    order.refresh_from_db()
    flash.refresh_from_db()
    assert order.status == "canceled" and flash.stock == 3


def test_a_paid_order_cannot_be_canceled_and_refunds_stay_within_the_total(user, organization):
    order = place(user, organization, (ProductFactory(eur=1000), 1))
    pay(order)
    order.refresh_from_db()
    with pytest.raises(InvalidTransition):
        services.cancel_order(order=order)
    assert services.refund_order(order=order, amount=200).status == order.status  # partly refunded, as it was
    with pytest.raises(ValidationFailed):
        services.refund_order(order=order, amount=1001)
    order = services.refund_order(order=order)
    assert (order.status, order.refunded_amount) == ("refunded", 1200)


def test_the_html_checkout_is_prefilled_and_sends_the_customer_to_pay(client_user, user, organization):
    organization.billing_email = "accounts@alice.test"
    organization.save()
    fill(user, organization, (ProductFactory(eur=1000), 1))
    page = client_user.get(reverse("catalog:checkout"))
    assert page.context["identity"].initial["billing_email"] == "accounts@alice.test"
    typed = {**services.billing_defaults(organization), "billing_email": "a@alice.test"}
    response = client_user.post(
        reverse("catalog:checkout"), {**typed, "payment_method": "card", "expected_total": 1200}
    )
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == pay_url(Invoice.objects.get(pk=order.invoice_id), method="card")
    assert (order.billing_email, order.payment_method, order.total) == ("a@alice.test", "card", 1200)


def test_mobile_money_is_offered_and_taken_only_for_francs(client_user, user, organization, auth_api):
    """Mobile money pays XOF only: a euro checkout does not offer it, and refuses it (page and API) placing nothing."""
    fill(user, organization, (ProductFactory(eur=1000), 1))
    page = client_user.get(reverse("catalog:checkout"))
    assert [value for value, _label in page.context["form"].fields["payment_method"].choices] == ["card"]
    shown = services.billing_defaults(organization)
    posted = client_user.post(reverse("catalog:checkout"), {**shown, "payment_method": "mobile_money", "expected_total": 1200})
    assert posted.status_code == 200 and "payment_method" in posted.context["form"].errors
    refused = auth_api.post("/api/v1/checkout/", {"payment_method": "mobile_money", "expected_total": 1200}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_payment_method"
    assert not Order.objects.exists() and not Invoice.objects.exists()


def test_checkout_page_needs_a_login_and_an_empty_cart_goes_back_to_the_shop(client, user):
    assert client.get(reverse("catalog:checkout")).url.startswith(reverse("accounts:login"))
    client.force_login(user)
    assert client.get(reverse("catalog:checkout")).url == reverse("catalog:catalog")


def test_downloads_are_for_the_owner_once_fulfilled(client_user, user, organization, other_user):
    guide = DigitalProductFactory()
    order = place(user, organization, (guide, 1))
    line = order.lines.get()
    url = reverse("catalog:download", args=[order.pk, line.pk])
    assert client_user.get(url).status_code == 404  # not paid yet
    pay(order)
    response = client_user.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 the guide"
    client_user.force_login(other_user)
    assert client_user.get(url).status_code == 404


def test_another_organizations_order_is_a_404_everywhere(client_user, auth_api, other_user, other_organization):
    theirs = place(other_user, other_organization, (ProductFactory(xof=5000), 1))
    line = theirs.lines.get()
    assert auth_api.get(f"/api/v1/orders/{theirs.pk}/").status_code == 404
    assert auth_api.get("/api/v1/orders/").json()["count"] == 0
    assert client_user.get(reverse("catalog:order_detail", args=[theirs.pk])).status_code == 404
    assert client_user.get(reverse("catalog:download", args=[theirs.pk, line.pk])).status_code == 404


def test_order_pages_show_status_invoice_and_deliveries(client_user, user, organization):
    order = place(user, organization, (DigitalProductFactory(name="Guide"), 1))
    pay(order)
    html = client_user.get(reverse("catalog:order_detail", args=[order.pk])).content.decode()
    invoice = Invoice.objects.get(pk=order.invoice_id)
    assert "Fulfilled" in html and invoice.number in html and "Download" in html
    assert order.number in client_user.get(reverse("catalog:order_list")).content.decode()


@pytest.mark.parametrize("count", [2, 12])
def test_order_lists_keep_a_fixed_number_of_queries(
    auth_api, client_user, user, organization, django_assert_max_num_queries, count
):
    product = ProductFactory()
    for _ in range(count):
        place(user, organization, (product, 1))
    with django_assert_max_num_queries(6):
        assert auth_api.get("/api/v1/orders/").json()["count"] == count
    with django_assert_max_num_queries(9):
        client_user.get(reverse("catalog:order_list"))


def test_a_refused_delivery_keeps_the_payment_and_can_be_retried(user, organization):
    broken = ServiceProductFactory(job_params={"title": "", "chapters": []})  # generation refuses these parameters
    order = place(user, organization, (ProductFactory(credits=100), 1), (broken, 1))
    invoice = pay(order)
    invoice.refresh_from_db()
    order.refresh_from_db()
    assert invoice.status == "paid"
    assert order.status == "paid" and order.fulfilment_error
    assert credit_balance(organization=organization) == 0  # nothing half-delivered
    broken.job_params = {"title": "Bees", "chapters": ["Hives"], "pages": 4}
    broken.save()
    services.fulfil(order=order)
    order.refresh_from_db()
    assert (order.status, order.fulfilment_error) == ("fulfilled", "")
    assert credit_balance(organization=organization) == 100


def test_the_customer_cancels_an_unpaid_order_its_invoice_is_voided(auth_api, client_user, user, organization):
    flash = ProductFactory(stock=4)
    first = place(user, organization, (flash, 1))
    second = place(user, organization, (flash, 2))
    response = auth_api.post(f"/api/v1/orders/{first.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "canceled"
    client_user.post(reverse("catalog:order_cancel", args=[second.pk]))
    assert set(Order.objects.values_list("status", flat=True)) == {"canceled"}
    assert set(Invoice.objects.values_list("status", flat=True)) == {"void"}
    flash.refresh_from_db()
    assert flash.stock == 4
    assert auth_api.post(f"/api/v1/orders/{first.pk}/cancel/").json()["error"]["code"] == "invalid_transition"


def test_nobody_cancels_another_organizations_order(auth_api, client_user, other_user, other_organization):
    theirs = place(other_user, other_organization, (ProductFactory(), 1))
    assert auth_api.post(f"/api/v1/orders/{theirs.pk}/cancel/").status_code == 404
    assert client_user.post(reverse("catalog:order_cancel", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "pending"


def test_a_services_brief_goes_from_the_cart_to_its_generation_job(auth_api, user, organization):
    ServiceProductFactory(slug="ebook-20")
    ProductFactory(slug="pack")
    brief = {"product": "ebook-20", "quantity": 1, "brief": "Urban beekeeping for beginners"}
    assert auth_api.post("/api/v1/cart/items/", brief, format="json").json()["lines"][0]["brief"] == brief["brief"]
    refused = auth_api.post("/api/v1/cart/items/", {"product": "pack", "brief": "Make it blue"}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "brief_not_allowed"
    order = Order.objects.get(
        pk=auth_api.post("/api/v1/checkout/", {"payment_method": "card"}, format="json").json()["order"]["id"]
    )
    pay(order)
    assert GenerationJob.objects.get().prompt == "Urban beekeeping for beginners"


def test_orders_unpaid_in_time_are_canceled_and_release_what_they_held(user, organization, time_machine, monkeypatch):
    monkeypatch.setenv("CATALOG_PENDING_ORDER_HOURS", "24")
    time_machine.move_to("2026-05-01 10:00Z")
    flash = ProductFactory(stock=3)
    stale = place(user, organization, (flash, 2))
    time_machine.move_to("2026-05-02 09:00Z")
    paid = place(user, organization, (ProductFactory(), 1))
    pay(paid)
    fresh = place(user, organization, (flash, 1))
    time_machine.move_to("2026-05-02 11:00Z")
    assert expire_pending_orders() == 1
    assert expire_pending_orders() == 0
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {stale.pk: "canceled", paid.pk: "fulfilled", fresh.pk: "pending"}
    flash.refresh_from_db()
    assert flash.stock == 2
    assert Invoice.objects.get(pk=stale.invoice_id).status == "void"
    assert user.notifications.filter(kind="order_canceled").count() == 1
