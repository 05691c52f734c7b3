"""What is typed at checkout is what the invoice says: the billing details are the organization's
billing identity (accounts' form and checks), changed there when the customer changes them here,
so the invoice's buyer, its VAT and the order agree; bad or unauthorized details change nothing."""

import json
from pathlib import Path

import httpx
import pytest
import respx
from django.conf import settings
from django.urls import reverse

from accounts.tests.factories import MembershipFactory
from billing.models import Invoice
from catalog import services
from catalog.models import Order
from catalog.tests.factories import ProductFactory
from catalog.tests.test_checkout import fill

pytestmark = pytest.mark.django_db

VIES_VALID = json.loads((Path(settings.BASE_DIR) / "accounts/tests/vies/valid.json").read_text())
TYPED = {
    "legal_name": "Autre Nom GmbH",
    "address_line1": "Unter den Linden 1",
    "postal_code": "10117",
    "city": "Berlin",
    "country": "DE",
    "vat_number": "DE 136 695 976",
    "billing_email": "rechnung@autre.test",
}


@respx.mock
def test_the_details_typed_on_the_checkout_page_are_the_invoice_s_buyer_and_its_vat(client_user, user, organization):
    respx.post(settings.VIES_URL).mock(return_value=httpx.Response(200, json=VIES_VALID))
    fill(user, organization, (ProductFactory(eur=1000), 1))
    page = client_user.get(reverse("catalog:checkout"))
    assert page.context["identity"].initial["legal_name"] == organization.display_legal_name
    assert "data-billing-identity-gaps" in page.content.decode()  # a French business without its SIREN yet
    form = {**services.billing_defaults(organization), **TYPED, "payment_method": "card", "expected_total": 1000}
    response = client_user.post(reverse("catalog:checkout"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get()
    invoice = Invoice.objects.get(pk=order.invoice_id)
    assert invoice.buyer["name"] == order.billing_name == "Autre Nom GmbH"
    assert invoice.buyer["vat_number"] == order.vat_number == "DE136695976"
    assert invoice.buyer["address_lines"] == ["Unter den Linden 1", "10117 Berlin", "DE"]
    assert order.billing_address == "Unter den Linden 1\n10117 Berlin\nDE"
    assert invoice.buyer["email"] == order.billing_email == "rechnung@autre.test"
    # A German business with a number VIES confirmed: reverse charge, as the total shown said.
    assert (invoice.total, invoice.lines.get().tax_basis, order.total) == (1000, "eu_reverse_charge", 1000)
    organization.refresh_from_db()
    assert (organization.legal_name, organization.country, organization.vat_check_status) == ("Autre Nom GmbH", "DE", "valid")


@respx.mock
def test_the_api_takes_the_same_identity_and_a_new_vat_refuses_the_total_shown(auth_api, user, organization):
    respx.post(settings.VIES_URL).mock(return_value=httpx.Response(200, json=VIES_VALID))
    fill(user, organization, (ProductFactory(eur=1000), 1))
    # The total shown with French VAT no longer holds once the buyer reverse-charges it.
    order = {"payment_method": "card", "billing": TYPED}
    stale = auth_api.post("/api/v1/checkout/", {**order, "expected_total": 1200}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "total_mismatch"
    assert not Order.objects.exists()
    response = auth_api.post("/api/v1/checkout/", {**order, "expected_total": 1000}, format="json")
    assert response.status_code == 201, response.json()
    invoice = Invoice.objects.get(pk=response.json()["invoice_id"])
    assert (invoice.buyer["name"], invoice.buyer["country"], invoice.total) == ("Autre Nom GmbH", "DE", 1000)
    assert response.json()["order"]["billing_name"] == "Autre Nom GmbH"


@respx.mock
@pytest.mark.parametrize(
    "billing, status, fields",
    [
        ({"country": "DE", "vat_number": "DE136695977"}, 400, ["vat_number"]),  # bad check digit, before VIES
        ({"is_business": True, "siren": "123"}, 400, ["siren"]),
        ({"legal_name": "X", "billing_name": "Y"}, 400, ["billing_name"]),  # not a field of the identity
    ],
)
def test_bad_details_change_nothing(auth_api, user, organization, billing, status, fields):
    vies = respx.post(settings.VIES_URL)
    fill(user, organization, (ProductFactory(eur=1000), 1))
    response = auth_api.post("/api/v1/checkout/", {"payment_method": "card", "billing": billing}, format="json")
    assert response.status_code == status, response.json()
    assert list(response.json()["error"]["fields"].get("billing", response.json()["error"]["fields"])) == fields
    assert not vies.called and not Order.objects.exists() and not Invoice.objects.exists()
    organization.refresh_from_db()
    assert (organization.legal_name, organization.country, organization.vat_number, organization.siren) == ("", "FR", "", "")


def test_a_member_orders_with_the_details_shown_but_cannot_change_them(client, organization):
    member = MembershipFactory(organization=organization, role="member").user
    client.force_login(member)
    fill(member, organization, (ProductFactory(eur=1000), 1))
    shown = services.billing_defaults(organization)
    refused = client.post(
        reverse("catalog:checkout"),
        {**shown, "legal_name": "Someone Else", "payment_method": "card", "expected_total": 1200},
        follow=True,
    )
    assert "owners and admins" in refused.content.decode()
    organization.refresh_from_db()
    assert organization.legal_name == "" and not Order.objects.exists()
    placed = client.post(reverse("catalog:checkout"), {**shown, "payment_method": "card", "expected_total": 1200})
    assert placed.status_code == 302
    assert Invoice.objects.get().buyer["name"] == Order.objects.get().billing_name == organization.name
