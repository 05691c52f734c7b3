"""Support pages and conversation lines in the reader's language (issue 18)."""

import pytest
from django.urls import reverse

from support import services
from support.tests.factories import open_ticket

pytestmark = pytest.mark.django_db


def test_a_french_customer_reads_the_ticket_pages_in_french(client_user, user, organization, agent):
    user.locale = "fr"
    user.save()
    organization.locale = "fr"
    organization.save()
    ticket = open_ticket(organization=organization, requester=user)
    services.resolve(ticket=ticket, agent=agent)
    listing = client_user.get(reverse("support:ticket_list")).content.decode()
    assert "Tickets d'assistance" in listing and "Nouveau ticket" in listing and "Résolu" in listing
    assert "Support tickets" not in listing and "New ticket" not in listing
    detail = client_user.get(reverse("support:ticket_detail", args=[ticket.number])).content.decode()
    assert "Statut passé de « Ouvert » à « Résolu » par Sam Agent." in detail
    assert "Rouvrir le ticket" in detail and "Reopen the ticket" not in detail
    form = client_user.get(reverse("support:ticket_new")).content.decode()
    assert "Objet" in form and "Catégorie" in form and "Subject" not in form


def test_a_french_customer_reopening_a_ticket_reads_the_confirmation_in_french(client_user, user, agent, organization):
    user.locale = "fr"
    user.save()
    ticket = open_ticket(organization=organization, requester=user)
    services.resolve(ticket=ticket, agent=agent)
    page = client_user.post(reverse("support:ticket_reopen", args=[ticket.number]), follow=True).content.decode()
    assert f"{ticket.number} est rouvert : un agent va le reprendre." in page


def test_an_english_organization_keeps_english_conversation_lines(client_user, user, organization, agent):
    ticket = open_ticket(organization=organization, requester=user)
    services.resolve(ticket=ticket, agent=agent)
    assert ticket.messages.filter(body="Status changed from Open to Resolved by Sam Agent.").exists()


def test_the_agent_ticket_badge_follows_live_status_changes(agent_client, organization, user):
    ticket = open_ticket(organization=organization, requester=user)
    page = agent_client.get(reverse("support:agent_ticket", args=[ticket.pk])).content.decode()
    assert "data-ticket-status" in page and "data-status-label=" in page
