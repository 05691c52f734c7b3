"""Validated tax identities: VAT numbers by checksum (python-stdnum) then VIES (recorded answers,
over httpx, mocked with respx), the French SIREN/SIRET by Luhn and asked of French businesses."""

import json
from pathlib import Path

import httpx
import pytest
import respx
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

RECORDED = Path(__file__).parent / "vies"


def vies_answers(name, status=200):
    return httpx.Response(status, json=json.loads((RECORDED / f"{name}.json").read_text()))


def url(organization):
    return f"/api/v1/organizations/{organization.pk}/"


@respx.mock
def test_a_number_with_a_bad_checksum_is_refused_before_vies(auth_api, organization):
    route = respx.post(settings.VIES_URL)
    for number in ("DE136695977", "NOTAVAT", "FR40303265045"):  # bad check digit, no number, another country's
        response = auth_api.patch(url(organization), {"country": "DE", "vat_number": number, "name": "X"}, format="json")
        assert response.status_code == 400, number
        assert list(response.json()["error"]["fields"]) == ["vat_number"]
    assert not route.called
    organization.refresh_from_db()
    assert (organization.country, organization.vat_number, organization.name) == ("FR", "", "Alice Studio")


@respx.mock
def test_vies_confirms_a_number_and_the_consultation_is_recorded(auth_api, organization):
    route = respx.post(settings.VIES_URL).mock(return_value=vies_answers("valid"))
    response = auth_api.patch(url(organization), {"country": "DE", "vat_number": "de 136 695 976"}, format="json")
    assert response.status_code == 200, response.json()
    sent = json.loads(route.calls.last.request.content)
    assert (sent["countryCode"], sent["vatNumber"]) == ("DE", "136695976")
    assert sent["requesterMemberStateCode"] + sent["requesterNumber"] == settings.SELLER["vat_number"]
    organization.refresh_from_db()
    assert (organization.vat_number, organization.vat_check_status) == ("DE136695976", "valid")
    assert organization.vat_check_reference == "WAPIAAAAZ5Q8c2Xh" and organization.vat_checked_at is not None
    assert response.json()["vat_check_status"] == "valid"


@respx.mock
def test_a_number_vies_refuses_changes_nothing(auth_api, organization):
    respx.post(settings.VIES_URL).mock(return_value=vies_answers("invalid"))
    response = auth_api.patch(url(organization), {"country": "DE", "vat_number": "DE811569869"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "vat_number_refused"
    assert "vat_number" in response.json()["error"]["fields"]
    organization.refresh_from_db()
    assert (organization.country, organization.vat_number) == ("FR", "")


@respx.mock
@pytest.mark.parametrize(
    "answer", [vies_answers("ms_unavailable", 500), httpx.ConnectError("no route"), httpx.ReadTimeout("slow")]
)
def test_vies_down_keeps_a_well_formed_number_as_unconfirmed(auth_api, organization, answer):
    outcome = {"side_effect": answer} if isinstance(answer, Exception) else {"return_value": answer}
    respx.post(settings.VIES_URL).mock(**outcome)
    response = auth_api.patch(url(organization), {"country": "DE", "vat_number": "DE136695976"}, format="json")
    assert response.status_code == 200
    organization.refresh_from_db()
    assert (organization.vat_number, organization.vat_check_status, organization.vat_check_reference) == (
        "DE136695976",
        "unavailable",
        "",
    )


def test_a_french_business_gives_a_valid_siren(auth_api, organization):
    response = auth_api.patch(url(organization), {"is_business": True, "legal_name": "Alice SAS", "siren": ""}, format="json")
    assert response.status_code == 200  # the tax identity did not change: nothing asked
    response = auth_api.patch(url(organization), {"is_business": False}, format="json")
    assert response.status_code == 200
    response = auth_api.patch(url(organization), {"is_business": True}, format="json")
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["siren"]
    response = auth_api.patch(url(organization), {"is_business": True, "siren": "303 265 046"}, format="json")
    assert response.status_code == 400 and "SIREN" in response.json()["error"]["fields"]["siren"][0]
    organization.refresh_from_db()
    assert (organization.is_business, organization.siren) == (False, "")
    for number in ("303 265 045", "30326504500011"):  # a SIREN, a SIRET
        response = auth_api.patch(url(organization), {"is_business": True, "siren": number}, format="json")
        assert response.status_code == 200, response.json()
    organization.refresh_from_db()
    assert (organization.is_business, organization.siren) == (True, "30326504500011")


def test_outside_the_eu_no_siren_and_no_vies(auth_api, organization):
    response = auth_api.patch(url(organization), {"country": "CH", "vat_number": "CHE-116.281.710 MWST"}, format="json")
    assert response.status_code == 200
    organization.refresh_from_db()
    assert (organization.vat_number, organization.vat_check_status) == ("CHE116281710MWST", "")


def test_the_settings_page_shows_the_field_in_error(client_user, organization):
    form = {"name": "Alice", "country": "DE", "vat_number": "DE136695977", "currency": "EUR", "locale": "en"}
    response = client_user.post(reverse("accounts:organization_settings"), {**form, "time_zone": "Europe/Paris"})
    assert response.status_code == 200 and "not a valid VAT number" in response.content.decode()
    organization.refresh_from_db()
    assert organization.country == "FR"


def test_the_admin_checks_the_checksums_too(admin_client, organization):
    change = reverse("admin:accounts_organization_change", args=[organization.pk])
    form = {
        "name": organization.name, "slug": organization.slug, "country": "DE", "currency": "EUR", "locale": "en",
        "time_zone": "Europe/Paris", "is_active": "on", "payment_terms_days": "14", "vat_number": "DE136695977",
        "siren": "123", "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = admin_client.post(change, form)
    assert response.status_code == 200
    assert "not a valid VAT number" in response.content.decode() and "SIRET" in response.content.decode()
    organization.refresh_from_db()
    assert organization.country == "FR"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"is_business": False, "einvoicing_address": "303265045"}, "Give your SIREN first"),  # a French consumer
        ({"siren": "303265045", "einvoicing_address": "552100554_ROUTE"}, "starts with your SIREN, 303265045"),
        ({"siren": "303265045", "einvoicing_address": "303265045 ROUTE"}, "directory of e-invoicing platforms"),
        ({"siren": "303265045", "einvoicing_address": "ap@buyer.test"}, "directory of e-invoicing platforms"),
        ({"siren": "303265045", "einvoicing_address": "303265045_" + "x" * 116}, "no more than 125 characters"),
        ({"country": "CH", "einvoicing_address": "303265045"}, "Outside France, give the email address"),
    ],
)
def test_a_routing_address_that_does_not_fit_is_refused_and_changes_nothing(auth_api, organization, changes, message):
    response = auth_api.patch(url(organization), {"name": "X", **changes}, format="json")
    assert response.status_code == 400, response.json()
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["einvoicing_address"] and message in fields["einvoicing_address"][0]
    organization.refresh_from_db()
    assert (organization.name, organization.siren, organization.einvoicing_address) == ("Alice Studio", "", "")


@pytest.mark.parametrize(
    "changes",
    [
        {"siren": "303265045", "einvoicing_address": "303265045"},
        {"siren": "30326504500011", "einvoicing_address": "303265045_30326504500011_AP-2.b+"},
        {"country": "CH", "einvoicing_address": "ap@buyer.test"},
    ],
)
def test_a_routing_address_of_the_french_directory_or_an_email_abroad_is_kept(auth_api, organization, changes):
    response = auth_api.patch(url(organization), changes, format="json")
    assert response.status_code == 200, response.json()
    organization.refresh_from_db()
    assert organization.einvoicing_address == changes["einvoicing_address"] == response.json()["einvoicing_address"]
    # A new SIREN the address no longer starts with is refused with it.
    if organization.country == "FR":
        response = auth_api.patch(url(organization), {"siren": "552100554"}, format="json")
        assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["einvoicing_address"]


ROUTING_FORM = {"name": "Alice", "country": "FR", "siren": "303265045", "einvoicing_address": "552100554", "currency": "EUR"}


def test_the_settings_page_checks_the_routing_address(client_user, organization):
    form = {**ROUTING_FORM, "locale": "en", "time_zone": "Europe/Paris"}
    response = client_user.post(reverse("accounts:organization_settings"), form)
    assert response.status_code == 200 and "starts with your SIREN" in response.content.decode()
    organization.refresh_from_db()
    assert (organization.siren, organization.einvoicing_address) == ("", "")


def test_the_admin_checks_the_routing_address(admin_client, organization):
    change = reverse("admin:accounts_organization_change", args=[organization.pk])
    form = {
        **ROUTING_FORM, "slug": organization.slug, "locale": "en", "time_zone": "Europe/Paris", "is_active": "on",
        "payment_terms_days": "14", "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = admin_client.post(change, form)
    assert response.status_code == 200 and "starts with your SIREN" in response.content.decode()
    organization.refresh_from_db()
    assert (organization.siren, organization.einvoicing_address) == ("", "")


def test_a_french_business_created_without_a_siren_is_asked_for_it(auth_api, client_user, organization):
    """Organizations created before the SIREN was asked: the API and the dashboard say what is
    missing until the owner gives it."""
    gaps = auth_api.get(url(organization)).json()["billing_identity_gaps"]
    assert gaps == {"siren": ["A business registered in France gives its SIREN or SIRET."]}
    page = client_user.get(reverse("accounts:dashboard")).content.decode()
    assert "data-billing-identity-gaps" in page and "SIREN or SIRET" in page
    assert auth_api.patch(url(organization), {"siren": "303265045"}, format="json").json()["billing_identity_gaps"] == {}
    assert "data-billing-identity-gaps" not in client_user.get(reverse("accounts:dashboard")).content.decode()
