"""The customers' API: /api/v1/support/tickets/ and its actions, on the same services."""

import pytest

from support import services
from support.models import Status, Ticket
from support.tests.factories import open_ticket

URL = "/api/v1/support/tickets/"


@pytest.mark.django_db
def test_create_list_retrieve_reply(auth_api, user, django_assert_max_num_queries):
    created = auth_api.post(URL, {"subject": "API ticket", "body": "Hello *there*", "category": "bug_report", "priority": "high"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"].startswith("TCK-") and body["status"] == "open" and body["priority"] == "high"
    assert body["messages"][0]["body_html"] == "<p>Hello <em>there</em></p>"

    reply = auth_api.post(f"{URL}{body['id']}/messages/", {"body": "More details"})
    assert reply.status_code == 201 and reply.json()["author_type"] == "customer"
    assert auth_api.get(f"{URL}{body['id']}/messages/").json()["count"] == 2

    for n in range(5):
        open_ticket(organization=user.organizations.get(), requester=user, subject=f"Other {n}")
    with django_assert_max_num_queries(8):
        listing = auth_api.get(URL)
    assert listing.json()["count"] == 6
    assert auth_api.get(URL, {"category": "bug_report"}).json()["count"] == 1
    assert auth_api.get(URL, {"search": "details"}).json()["results"][0]["number"] == body["number"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, field",
    [
        ({"subject": "", "body": "x"}, "subject"),
        ({"subject": "S", "body": ""}, "body"),
        ({"subject": "S", "body": "x", "category": "nope"}, "category"),
        ({"subject": "S", "body": "x", "priority": "asap"}, "priority"),
        ({"subject": "S", "body": "x", "priority": "urgent"}, "priority"),
        ({"subject": "S", "body": "x", "assignee": 1}, "assignee"),
        ({"subject": "S", "body": "x", "status": "resolved"}, "status"),
        ({"subject": "S", "body": "x", "related_type": "invoice", "related_id": 12345}, "related_id"),
    ],
)
def test_bad_input_is_a_clear_error_and_changes_nothing(auth_api, data, field):
    response = auth_api.post(URL, data)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_patch_only_what_customers_may_change(auth_api, organization, user):
    ticket = open_ticket(organization=organization, requester=user)
    url = f"{URL}{ticket.pk}/"
    assert auth_api.patch(url, {"priority": "urgent"}).status_code == 400
    assert auth_api.patch(url, {"assignee": 3}).status_code == 400
    assert auth_api.patch(url, {"status": "closed"}).status_code == 400
    ok = auth_api.patch(url, {"subject": "Better subject", "priority": "high"})
    assert ok.status_code == 200 and ok.json()["subject"] == "Better subject" and ok.json()["priority"] == "high"
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.assignee is None


@pytest.mark.django_db
def test_closed_ticket_refuses_messages_and_reopen_rate_flow(auth_api, organization, user, agent):
    ticket = open_ticket(organization=organization, requester=user)
    services.resolve(ticket=ticket, agent=agent)
    assert auth_api.post(f"{URL}{ticket.pk}/rate/", {"rating": 9}).status_code == 400
    rated = auth_api.post(f"{URL}{ticket.pk}/rate/", {"rating": 5, "comment": "Great"})
    assert rated.status_code == 200 and rated.json()["satisfaction_rating"] == 5
    reopened = auth_api.post(f"{URL}{ticket.pk}/reopen/")
    assert reopened.status_code == 200 and reopened.json()["status"] == "in_progress"
    assert auth_api.post(f"{URL}{ticket.pk}/reopen/").json()["error"]["code"] == "not_resolved"

    services.close(ticket=ticket, by=agent)
    refused = auth_api.post(f"{URL}{ticket.pk}/messages/", {"body": "Hello?"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "ticket_closed"
    follow_up = auth_api.post(URL, {"subject": "Again", "body": "Still", "follow_up_of": ticket.pk})
    assert follow_up.status_code == 201 and follow_up.json()["follow_up_of"] == ticket.number


@pytest.mark.django_db
def test_another_organizations_ticket_is_a_404_on_every_endpoint(auth_api, other_user):
    theirs = open_ticket(organization=other_user.organizations.get(), requester=other_user)
    url = f"{URL}{theirs.pk}/"
    assert auth_api.get(url).status_code == 404
    assert auth_api.patch(url, {"subject": "Mine now"}).status_code == 404
    assert auth_api.get(url + "messages/").status_code == 404
    assert auth_api.post(url + "messages/", {"body": "hi"}).status_code == 404
    assert auth_api.post(url + "reopen/").status_code == 404
    assert auth_api.post(url + "rate/", {"rating": 1}).status_code == 404
    assert auth_api.post(URL, {"subject": "S", "body": "x", "follow_up_of": theirs.pk}).status_code == 404
    assert theirs.messages.count() == 1 and Ticket.objects.count() == 1


@pytest.mark.django_db
def test_anonymous_is_refused(api_client):
    assert api_client.get(URL).status_code == 401
