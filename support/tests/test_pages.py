"""Customer and agent pages: what a person sees and can do in the browser."""

import pytest
from django.core import mail

from accounts.tests.factories import login_with_2fa
from notifications.models import Notification
from support import services
from support.models import Status, Ticket
from support.tests.factories import CannedReplyFactory, open_ticket, png


@pytest.mark.django_db
def test_customer_opens_a_ticket_in_the_browser(client_user, user, agent, run_on_commit):
    assert client_user.get("/support/new/").status_code == 200
    with run_on_commit(execute=True):
        response = client_user.post(
            "/support/new/",
            {
                "subject": "Export stuck",
                "category": "technical",
                "priority": "normal",
                "body": "It **spins**.",
                "attachments": [png()],
            },
        )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/support/tickets/{ticket.number}/"
    page = client_user.get(response["Location"]).content.decode()
    assert "It <strong>spins</strong>." in page and "screenshot.png" in page
    confirmation = [m for m in mail.outbox if m.to == [user.email]]
    assert len(confirmation) == 1
    assert confirmation[0].subject == f"[{ticket.number}] Export stuck"
    assert confirmation[0].extra_headers["Message-Id"] == ticket.thread_id
    assert Notification.objects.filter(recipient=agent, kind="support_ticket_new").count() == 1


@pytest.mark.django_db
def test_bad_input_on_the_form_changes_nothing(client_user):
    for data in (
        {"subject": "", "category": "general", "priority": "low", "body": "x"},
        {"subject": "S", "category": "general", "priority": "urgent", "body": "x"},
        {"subject": "S", "category": "nonsense", "priority": "low", "body": "x"},
        {"subject": "S", "category": "general", "priority": "low", "body": "x", "related_kind": "invoice", "related_id": "999"},
    ):
        response = client_user.post("/support/new/", data)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_list_is_the_organizations_and_query_count_does_not_grow(
    client_user, organization, user, other_user, django_assert_max_num_queries
):
    for n in range(3):
        open_ticket(organization=organization, requester=user, subject=f"Mine {n}")
    open_ticket(organization=other_user.organizations.get(), requester=other_user, subject="Theirs")
    with django_assert_max_num_queries(8):
        page = client_user.get("/support/").content.decode()
    assert page.count("Mine ") == 3 and "Theirs" not in page
    for n in range(3, 15):
        open_ticket(organization=organization, requester=user, subject=f"Mine {n}")
    with django_assert_max_num_queries(8):
        assert client_user.get("/support/").status_code == 200
    assert "Mine 4" in client_user.get("/support/?q=Mine+4").content.decode()
    assert "Mine" not in client_user.get("/support/?status=closed").content.decode().split("<h1>")[1].split("</table>")[0]


@pytest.mark.django_db
def test_another_organizations_ticket_is_a_404_everywhere(client_user, other_user, agent):
    theirs = open_ticket(organization=other_user.organizations.get(), requester=other_user)
    message = services.customer_reply(ticket=theirs, user=other_user, body="file", attachments=[png()])
    services.resolve(ticket=theirs, agent=agent)
    base = f"/support/tickets/{theirs.number}/"
    for url in (base, base + "messages/"):
        assert client_user.get(url).status_code == 404
    for url in (base + "reply/", base + "reopen/", base + "rate/"):
        assert client_user.post(url, {"body": "hi", "rating": "5"}).status_code == 404
    assert client_user.get(f"/support/new/?follow_up={theirs.number}").status_code == 404
    assert client_user.get(f"/support/attachments/{message.attachments.get().pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.RESOLVED and theirs.satisfaction_rating is None


@pytest.mark.django_db
def test_customer_reopens_and_rates(client_user, organization, user, agent):
    ticket = open_ticket(organization=organization, requester=user)
    services.resolve(ticket=ticket, agent=agent)
    page = client_user.get(f"/support/tickets/{ticket.number}/").content.decode()
    assert "Reopen the ticket" in page and "How did we do?" in page
    client_user.post(f"/support/tickets/{ticket.number}/reopen/")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    services.resolve(ticket=ticket, agent=agent)
    client_user.post(f"/support/tickets/{ticket.number}/rate/", {"rating": "4", "comment": "Thanks"})
    ticket.refresh_from_db()
    assert (ticket.satisfaction_rating, ticket.satisfaction_comment) == (4, "Thanks")


@pytest.mark.django_db
def test_message_on_a_closed_ticket_is_refused_with_a_message(client_user, organization, user, agent):
    ticket = open_ticket(organization=organization, requester=user)
    services.close(ticket=ticket, by=agent)
    count = ticket.messages.count()
    response = client_user.post(f"/support/tickets/{ticket.number}/reply/", {"body": "Hello?"}, follow=True)
    assert "is closed. Open a follow-up ticket" in response.content.decode()
    assert ticket.messages.count() == count
    assert "Open a follow-up ticket" in client_user.get(f"/support/tickets/{ticket.number}/").content.decode()


@pytest.mark.django_db
def test_queue_is_staff_only(client_user):
    assert client_user.get("/support/agent/").status_code == 403
    assert client_user.get("/support/agent/tickets/1/").status_code == 403


@pytest.mark.django_db
def test_agent_answers_from_the_queue_with_a_canned_reply_and_a_note(agent_client, organization, user, agent, run_on_commit):
    ticket = open_ticket(organization=organization, requester=user)
    canned = CannedReplyFactory(body="Hello {customer_name}, {ticket_number} is fixed. — {agent_name}")
    queue = agent_client.get("/support/agent/?view=unassigned").content.decode()
    assert ticket.number in queue

    filled = agent_client.get(f"/support/agent/tickets/{ticket.pk}/canned/?canned={canned.pk}").content.decode()
    assert f"Hello {user.first_name}, {ticket.number} is fixed. — Sam" in filled

    mail.outbox.clear()
    with run_on_commit(execute=True):
        agent_client.post(f"/support/agent/tickets/{ticket.pk}/reply/", {"body": "Checked the logs: cache.", "internal": "on"})
        agent_client.post(f"/support/agent/tickets/{ticket.pk}/reply/", {"body": f"Hello {user.first_name}, fixed."})
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.assignee == agent
    assert len([m for m in mail.outbox if m.to == [user.email]]) == 1
    assert mail.outbox[0].extra_headers["In-Reply-To"] == ticket.thread_id
    assert ticket.number in agent_client.get("/support/agent/?view=mine").content.decode()


@pytest.mark.django_db
def test_agent_assigns_sets_priority_and_bulk_actions(agent_client, organization, user, agent, other_agent):
    tickets = [open_ticket(organization=organization, requester=user, subject=f"T{n}") for n in range(3)]
    agent_client.post(f"/support/agent/tickets/{tickets[0].pk}/assign/", {"assignee": other_agent.pk})
    agent_client.post(f"/support/agent/tickets/{tickets[0].pk}/priority/", {"priority": "urgent"})
    tickets[0].refresh_from_db()
    assert (tickets[0].assignee, tickets[0].priority) == (other_agent, "urgent")

    agent_client.post("/support/agent/bulk/", {"action": "assign", "assignee": agent.pk, "tickets": [t.pk for t in tickets]})
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {agent.pk}
    agent_client.post("/support/agent/bulk/", {"action": "close", "tickets": [tickets[1].pk, tickets[2].pk]})
    assert list(Ticket.objects.order_by("pk").values_list("status", flat=True)) == ["open", "closed", "closed"]
    agent_client.post(f"/support/agent/tickets/{tickets[0].pk}/resolve/")
    tickets[0].refresh_from_db()
    assert tickets[0].status == Status.RESOLVED


@pytest.mark.django_db
def test_queue_filters_search_and_query_count(agent_client, organization, user, agent, django_assert_max_num_queries):
    open_ticket(organization=organization, requester=user, subject="Invoice wrong", category="billing")
    open_ticket(organization=organization, requester=user, subject="Image blurry", category="technical")
    with django_assert_max_num_queries(16):
        page = agent_client.get("/support/agent/?category=billing").content.decode()
    assert "Invoice wrong" in page and "Image blurry" not in page
    page = agent_client.get("/support/agent/?q=blurry").content.decode()
    assert "Image blurry" in page and "Invoice wrong" not in page
    for n in range(10):
        open_ticket(organization=organization, requester=user, subject=f"More {n}")
    with django_assert_max_num_queries(16):
        assert agent_client.get("/support/agent/").status_code == 200


@pytest.mark.django_db
def test_agent_without_an_organization_lands_on_the_queue(agent_client):
    response = agent_client.get("/support/")
    assert response.status_code == 302 and response["Location"] == "/support/agent/"


@pytest.mark.django_db
def test_queue_filters_by_assignee(agent_client, organization, user, agent, other_agent):
    mine = open_ticket(organization=organization, requester=user, subject="For Sam")
    theirs = open_ticket(organization=organization, requester=user, subject="For Kim")
    services.assign(ticket=mine, assignee=agent, by=agent)
    services.assign(ticket=theirs, assignee=other_agent, by=agent)
    page = agent_client.get(f"/support/agent/?assignee={other_agent.pk}").content.decode()
    assert "For Kim" in page and "For Sam" not in page


@pytest.mark.django_db
def test_live_conversation_partials(client_user, agent_client, organization, user, agent, pushes, run_on_commit):
    ticket = open_ticket(organization=organization, requester=user)
    with run_on_commit(execute=True):
        services.agent_reply(ticket=ticket, agent=agent, body="A note", internal=True)
        services.customer_reply(ticket=ticket, user=user, body="Any news?")
        services.resolve(ticket=ticket, agent=agent)
    # The sockets are told which ticket changed; each page then reloads what its reader may see.
    assert {"type": "support.message", "ticket": ticket.pk} == {
        k: v
        for k, v in next(p for uid, p in pushes if uid == agent.pk and p["type"] == "support.message").items()
        if k in ("type", "ticket")
    }
    assert any(
        uid == user.pk and p == {"type": "support.status", "ticket": ticket.pk, "number": ticket.number, "status": "resolved"}
        for uid, p in pushes
    )
    customer_part = client_user.get(f"/support/tickets/{ticket.number}/messages/").content.decode()
    assert "Any news?" in customer_part and "A note" not in customer_part
    assert f'data-url="/support/tickets/{ticket.number}/messages/"' in customer_part
    agent_part = agent_client.get(f"/support/agent/tickets/{ticket.pk}/messages/").content.decode()
    assert "Any news?" in agent_part and "A note" in agent_part
    assert client_user.get(f"/support/agent/tickets/{ticket.pk}/messages/").status_code == 403


@pytest.mark.django_db
def test_staff_outside_the_support_groups_cannot_open_the_queue(client, staff_user):
    login_with_2fa(client, staff_user)
    assert client.get("/support/agent/").status_code == 403
