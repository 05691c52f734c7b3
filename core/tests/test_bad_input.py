"""Bad input from outside gets a clear 4xx, never a 500: the cases found by trying the running
platform, each on its page and its API alike."""

import json
import time

import pytest

from billing.models import WebhookEvent
from billing.providers import signing
from support.tests.factories import open_ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [True, False], ids=["make-run", "production"])
@pytest.mark.parametrize("path", ["/admin/", "/admin/billing/invoice/", "/backoffice/"])
def test_a_visitor_at_the_back_office_is_sent_to_log_in(client, settings, debug, path):
    settings.DEBUG = debug  # the local profile exempts one demo account from 2FA: only with DEBUG
    response = client.get(path, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0].startswith("/accounts/login/")


@pytest.mark.parametrize("value", ["²", "¹²", "0", "-1", "9" * 40, "\u0661", "not-mine"])
def test_an_organization_header_that_names_no_organization_of_mine_is_a_404(auth_api, client_user, value):
    response = auth_api.get("/api/v1/me/", HTTP_X_ORGANIZATION=value)
    assert response.status_code == 404 and response.json()["error"]["code"] == "organization_not_found"
    assert client_user.get("/support/", HTTP_X_ORGANIZATION=value).status_code in (302, 404)  # no such organization


@pytest.mark.parametrize("query", ["q=%00", "q=abc%00def", "status=%00&q=x", "page=%00"])
def test_a_nul_character_in_a_ticket_search_is_a_400_on_the_page(client_user, organization, user, query):
    open_ticket(organization=organization, requester=user)
    response = client_user.get(f"/support/?{query}")
    assert response.status_code == 400
    assert b"check what was sent" in response.content


@pytest.mark.parametrize("query", ["search=%00", "search=a%00b", "status=%00", "ordering=%00"])
def test_a_nul_character_in_an_api_query_is_a_400_in_the_error_envelope(auth_api, organization, user, query):
    open_ticket(organization=organization, requester=user)
    response = auth_api.get(f"/api/v1/support/tickets/?{query}")
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"


def test_a_nul_character_in_a_path_is_a_400(client_user):
    assert client_user.get("/shop/p/pack%00/").status_code == 400
    assert client_user.get("/support/tickets/T%00/").status_code == 400
    assert client_user.get("/api/v1/catalog/products/pack%00/").status_code == 400


def test_a_nul_character_in_a_form_or_a_json_body_is_refused_by_the_field(client_user, auth_api):
    page = client_user.post("/support/new/", {"subject": "Help\x00", "body": "It broke"})
    assert page.status_code == 200 and "subject" in page.context["form"].errors
    api = auth_api.post("/api/v1/support/tickets/", {"subject": "Help\x00", "body": "It broke"}, format="json")
    assert api.status_code == 400 and "subject" in api.json()["error"]["fields"]


def _signed(client, event):
    body = json.dumps(event).encode()
    timestamp = int(time.time())
    header = f"t={timestamp},v1={signing.sign('sandbox-dev-secret', timestamp, body)}"
    return client.post("/api/v1/billing/webhooks/sandbox/", body, content_type="application/json",
                       HTTP_X_SANDBOX_SIGNATURE=header)


@pytest.mark.parametrize(
    "event_id", ["e" * 121, "", 12345, ["evt"], None], ids=["too-long", "empty", "a-number", "a-list", "null"]
)
def test_a_validly_signed_webhook_whose_event_id_does_not_fit_is_a_400_and_stores_nothing(client, event_id):
    response = _signed(client, {"id": event_id, "type": "payment.succeeded", "data": {"reference": "sbx_pay_1"}})
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_payload"
    assert not WebhookEvent.objects.exists()


def test_a_signed_webhook_event_id_of_120_characters_is_stored(client):
    response = _signed(client, {"id": "e" * 120, "type": "payment.succeeded", "data": {"reference": "sbx_pay_1"}})
    assert response.status_code == 200 and WebhookEvent.objects.get().event_id == "e" * 120
