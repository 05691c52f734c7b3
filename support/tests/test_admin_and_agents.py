"""Django Admin for agents, the support groups' permissions, and related objects of a ticket."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.tests.factories import confirmed_totp, totp_code
from core.errors import ValidationFailed
from support import services
from support.models import AGENTS_GROUP, LEADS_GROUP, ContactRequest, Status, Ticket
from support.tests.factories import open_ticket


@pytest.fixture
def admin_agent(agent_client, agent):
    """An agent who passed the admin's TOTP step."""
    device = confirmed_totp(agent)
    response = agent_client.post(reverse("accounts:two_factor"), {"token": totp_code(device), "next": "/admin/"})
    assert response.url == "/admin/"
    return agent_client


@pytest.mark.django_db
def test_support_groups_hold_support_permissions_only(agent, lead):
    for name in (AGENTS_GROUP, LEADS_GROUP):
        labels = set(Group.objects.get(name=name).permissions.values_list("content_type__app_label", flat=True))
        assert labels == {"support"}
    assert agent.has_perm("support.change_ticket") and agent.has_perm("support.add_ticketmessage")
    assert not agent.has_perm("support.change_slapolicy") and lead.has_perm("support.change_slapolicy")
    assert not any(agent.has_perm(f"billing.{action}_invoice") for action in ("view", "change", "add", "delete"))


@pytest.mark.django_db
def test_admin_ticket_with_conversation_and_actions(admin_agent, agent, other_agent, organization, user):
    ticket = open_ticket(organization=organization, requester=user, subject="Admin view")
    services.agent_reply(ticket=ticket, agent=agent, body="Internal thought", internal=True)
    page = admin_agent.get(f"/admin/support/ticket/{ticket.pk}/change/").content.decode()
    assert "It spins forever." in page and "Internal thought" in page

    changelist = "/admin/support/ticket/"
    assert "Admin view" in admin_agent.get(changelist + "?sla=ok&status=open").content.decode()
    assert "Admin view" not in admin_agent.get(changelist + "?sla=breached").content.decode()
    admin_agent.post(changelist, {"action": "assign_selected", "assignee": other_agent.pk, "_selected_action": [ticket.pk]})
    ticket.refresh_from_db()
    assert ticket.assignee == other_agent
    admin_agent.post(changelist, {"action": "make_urgent", "_selected_action": [ticket.pk]})
    admin_agent.post(changelist, {"action": "resolve_selected", "_selected_action": [ticket.pk]})
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status) == ("urgent", Status.RESOLVED)
    assert ticket.messages.filter(body__startswith="Status changed from Open to Resolved").exists()
    admin_agent.post(changelist, {"action": "close_selected", "_selected_action": [ticket.pk]})
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED


@pytest.mark.django_db
def test_admin_pages_for_the_other_support_models(admin_agent):
    for url in (
        "/admin/support/cannedreply/",
        "/admin/support/contactrequest/",
        "/admin/support/slapolicy/",
        "/admin/support/slaevent/",
    ):
        assert admin_agent.get(url).status_code == 200, url


@pytest.fixture
def generation_job(organization):
    """A real job of the organization, found through generation's `job_for` contract."""
    from generation.tests.factories import GenerationJobFactory

    return GenerationJobFactory(organization=organization)


@pytest.mark.django_db
def test_related_object_must_be_the_organizations(generation_job, organization, user, other_user):
    ticket = open_ticket(organization=organization, requester=user, related_kind="generation_job", related_id=generation_job.pk)
    assert ticket.related == generation_job and ticket.related_kind == "generation_job"
    with pytest.raises(ValidationFailed) as error:
        open_ticket(
            organization=other_user.organizations.get(),
            requester=other_user,
            related_kind="generation_job",
            related_id=generation_job.pk,
        )
    assert error.value.code == "unknown_related_object"
    for kind, pk in (("shipment", 1), ("generation_job", "abc"), ("generation_job", None)):
        with pytest.raises(ValidationFailed):
            open_ticket(organization=organization, requester=user, related_kind=kind, related_id=pk)
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "resolved", "assigned", "handled"),
    [
        ("en", "2 tickets resolved.", "1 ticket assigned to Kim Agent.", "1 request marked handled."),
        ("fr", "2 tickets résolus.", "1 ticket assigné à Kim Agent.", "1 demande marquée comme traitée."),
    ],
)
def test_the_ticket_actions_count_what_they_did_in_the_staff_language(
    admin_agent, other_agent, organization, user, language, resolved, assigned, handled
):
    admin_agent.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    tickets = [open_ticket(organization=organization, requester=user, subject=f"Ticket {n}") for n in (1, 2)]
    changelist = "/admin/support/ticket/"
    selected = {"_selected_action": [tickets[0].pk]}
    answer = admin_agent.post(changelist, {"action": "assign_selected", "assignee": other_agent.pk, **selected}, follow=True)
    assert assigned in answer.content.decode()
    answer = admin_agent.post(
        changelist, {"action": "resolve_selected", "_selected_action": [t.pk for t in tickets]}, follow=True
    )
    assert resolved in answer.content.decode()
    contact = ContactRequest.objects.create(name="Léa", email="lea@example.test", subject="Hello", message="Hi")
    answer = admin_agent.post(
        "/admin/support/contactrequest/", {"action": "mark_handled", "_selected_action": [contact.pk]}, follow=True
    )
    assert handled in answer.content.decode()
