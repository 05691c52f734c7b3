"""The API answers what its OpenAPI schema says: every response below is validated against the
schema served at /api/schema/ (status documented, body of the documented shape: types, nullable
fields, lists against objects, content type of downloads), with openapi-core."""

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from rest_framework.test import APIClient

from billing import services as billing_services
from billing.tests.factories import invoice
from catalog.tests.factories import ProductFactory
from notifications.services import notify
from support.tests.factories import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def nullable_refs(node):
    """drf-spectacular writes a nullable nested object as OpenAPI 3.0's `{allOf: [$ref],
    nullable: true}`, which JSON Schema validators read as "an object, never null": spell it
    `oneOf: [$ref, null]` for the validator (the schema's meaning, not a loosening)."""
    if isinstance(node, list):
        return [nullable_refs(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: nullable_refs(value) for key, value in node.items()}
    if node.get("nullable") and len(node.get("allOf", ())) == 1:
        node["oneOf"] = [node.pop("allOf")[0], {"enum": [None], "nullable": True}]
    return node


@pytest.fixture(scope="module")
def openapi(schema):
    return OpenAPI.from_dict(nullable_refs(schema))


@pytest.fixture
def conforms(openapi):
    def check(response):
        openapi.validate_response(DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response))
        return response

    return check


def list_paths(schema):
    for path, item in schema["paths"].items():
        if "{" not in path and "get" in item:
            yield path, item["get"]


def test_every_list_and_summary_answers_a_visitor_401_and_a_member_its_documented_shape(
    schema, conforms, auth_api, organization, user, run_on_commit
):
    visitor = APIClient()
    with run_on_commit(execute=True):
        invoice(organization)
    open_ticket(organization=organization, requester=user)
    notify(user, "broadcast", title="Hello")
    checked, wrong = 0, []
    for path, operation in list_paths(schema):
        anonymous = {} in operation.get("security", [{}])
        for client, expected in ((visitor, {200 if anonymous else 401}), (auth_api, {200, 403})):  # 403: staff only
            response = client.get(path)
            try:
                conforms(response)
                assert response.status_code in expected, response.status_code
            except Exception as exc:  # noqa: BLE001 - every path's mismatch is listed, not only the first
                wrong.append(f"GET {path} ({response.status_code}): {exc!r:.400}")
        checked += 1
    assert wrong == [] and checked >= 25


def test_details_and_downloads_match_the_schema(conforms, auth_api, organization, user, run_on_commit):
    with run_on_commit(execute=True):
        inv = invoice(organization)
        note = billing_services.issue_credit_note(invoice=inv, amount=100, reason="Goodwill")
    ticket = open_ticket(organization=organization, requester=user)
    notification = notify(user, "broadcast", title="Hello")[0]
    ProductFactory(slug="pack", eur=1000)
    for path in (
        f"/api/v1/billing/invoices/{inv.pk}/",
        f"/api/v1/billing/credit-notes/{note.pk}/",
        f"/api/v1/support/tickets/{ticket.pk}/",
        f"/api/v1/support/tickets/{ticket.pk}/messages/",
        f"/api/v1/notifications/{notification.pk}/",
        "/api/v1/catalog/products/pack/",
    ):
        assert conforms(auth_api.get(path)).status_code == 200, path
    pdf = conforms(auth_api.get(f"/api/v1/billing/invoices/{inv.pk}/pdf/"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    note_pdf = conforms(auth_api.get(f"/api/v1/billing/credit-notes/{note.pk}/pdf/"))
    assert note_pdf.status_code == 200 and note_pdf["Content-Type"] == "application/pdf"


def test_errors_are_documented_in_the_error_envelope(conforms, auth_api, other_organization, run_on_commit):
    theirs = invoice(other_organization)
    missing = conforms(auth_api.get(f"/api/v1/billing/invoices/{theirs.pk}/"))
    assert missing.status_code == 404 and missing.json()["error"]["code"]
    refused = conforms(auth_api.post("/api/v1/support/tickets/", {"subject": ""}, format="json"))
    assert refused.status_code == 400 and "subject" in refused.json()["error"]["fields"]


def test_deletes_answer_what_the_schema_says(conforms, auth_api, organization, user):
    from billing.payments import add_payment_method

    ProductFactory(slug="pack", eur=1000)
    added = conforms(auth_api.post("/api/v1/cart/items/", {"product": "pack", "quantity": 1}, format="json"))
    assert added.status_code == 201
    item = auth_api.get("/api/v1/cart/").json()["lines"][0]["id"]
    removed = conforms(auth_api.delete(f"/api/v1/cart/items/{item}/"))  # the cart, as it is now
    assert removed.status_code == 200 and removed.json()["lines"] == []
    assert conforms(auth_api.delete("/api/v1/cart/")).status_code == 200
    method = add_payment_method(organization=organization, provider="sandbox", details={"card_number": "4242424242424242"})
    gone = conforms(auth_api.delete(f"/api/v1/billing/payment-methods/{method.pk}/"))
    assert gone.status_code == 204 and not gone.content
