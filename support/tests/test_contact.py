"""The public contact form (page and API): honeypot and throttling against spam, a ticket for a
known address, a contact request otherwise, and a confirmation email either way."""

import pytest
from django.core import mail
from rest_framework.throttling import SimpleRateThrottle

from support.models import ContactRequest, Ticket

FORM = {"name": "Chloé", "email": "chloe@example.test", "subject": "Pricing question", "message": "Do you invoice in XOF?"}


@pytest.mark.django_db
def test_unknown_address_becomes_a_contact_request_with_a_confirmation(client, run_on_commit):
    with run_on_commit(execute=True):
        response = client.post("/support/contact/", FORM)
    assert response.status_code == 302
    request = ContactRequest.objects.get()
    assert (request.status, request.ticket, request.email) == ("new", None, "chloe@example.test")
    assert [m.to for m in mail.outbox] == [["chloe@example.test"]]
    assert "Pricing question" in mail.outbox[0].subject
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_a_customer_s_address_typed_by_anyone_opens_no_ticket_in_their_organization(api_client, user, run_on_commit):
    with run_on_commit(execute=True):
        response = api_client.post("/api/v1/support/contact/", {**FORM, "email": user.email.upper()})
    assert response.status_code == 201
    assert Ticket.objects.count() == 0
    request = ContactRequest.objects.get()
    assert (request.status, request.ticket, request.email) == ("new", None, user.email)
    assert [m.to for m in mail.outbox] == [[user.email]]  # the owner of the address hears of it


@pytest.mark.django_db
def test_a_logged_in_customer_opens_a_ticket_in_their_organization(auth_api, user, organization, run_on_commit):
    with run_on_commit(execute=True):
        response = auth_api.post("/api/v1/support/contact/", {**FORM, "email": user.email.upper()})
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert (ticket.organization, ticket.requester, ticket.subject) == (organization, user, "Pricing question")
    assert ContactRequest.objects.get().ticket == ticket
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert ticket.number in mail.outbox[0].subject


@pytest.mark.django_db
def test_honeypot_is_refused_and_nothing_is_stored(client, api_client):
    response = client.post("/support/contact/", {**FORM, "website": "http://spam.test"})
    assert response.status_code == 200 and "looks automated" in response.content.decode()
    api = api_client.post("/api/v1/support/contact/", {**FORM, "website": "http://spam.test"})
    assert api.status_code == 400 and api.json()["error"]["code"] == "spam_detected"
    assert ContactRequest.objects.count() == 0 and mail.outbox == []


@pytest.mark.django_db
def test_page_is_throttled_by_address(client, settings, monkeypatch):
    monkeypatch.setattr("support.conf.CONTACT_LIMIT", 2)
    for _ in range(2):
        assert client.post("/support/contact/", FORM).status_code == 302
    blocked = client.post("/support/contact/", FORM)
    assert blocked.status_code == 200 and "Too many messages" in blocked.content.decode()
    assert client.post("/support/contact/", FORM, REMOTE_ADDR="10.0.0.9").status_code == 302
    assert ContactRequest.objects.count() == 3


@pytest.mark.django_db
def test_api_is_throttled(api_client, monkeypatch):
    # DRF reads the rates once, at import: set the class attribute for this test only.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "public_form": "2/min"})
    codes = [api_client.post("/api/v1/support/contact/", FORM).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert ContactRequest.objects.count() == 2


@pytest.mark.django_db
def test_invalid_input_is_refused(api_client):
    response = api_client.post("/api/v1/support/contact/", {**FORM, "email": "not-an-email", "message": ""})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"email", "message"}
    assert ContactRequest.objects.count() == 0


@pytest.mark.django_db
def test_on_the_page_only_the_logged_in_sender_s_own_address_opens_a_ticket(client_user, user, other_user, run_on_commit):
    with run_on_commit(execute=True):
        client_user.post("/support/contact/", {**FORM, "email": other_user.email})
    assert Ticket.objects.count() == 0  # someone else's address, even from a logged-in customer
    with run_on_commit(execute=True):
        client_user.post("/support/contact/", {**FORM, "email": user.email})
    assert Ticket.objects.get().requester == user
