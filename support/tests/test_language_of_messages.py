"""What support says to a customer or an agent is in their language: status notifications, the
refusals of a ticket's fields and the admin's link to the agent page."""

import pytest
from django.utils import translation

from core.errors import ValidationFailed
from notifications.models import Notification
from support import services
from support.tests.factories import open_ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("locale", "said"), [("fr", "{} est maintenant résolu"), ("en", "{} is now resolved")])
def test_a_status_change_is_told_in_the_customer_language(organization, user, agent, locale, said):
    user.locale = locale
    user.save(update_fields=["locale"])
    ticket = open_ticket(organization=organization, requester=user)
    with translation.override("en" if locale == "fr" else "fr"):  # the agent's request speaks the other language
        services.resolve(ticket=ticket, agent=agent)
    told = Notification.objects.filter(recipient=user, kind="support_status").latest("pk")
    assert told.title == said.format(ticket.number)


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"priority": "urgent"}, "Seuls les agents du support peuvent choisir la priorité urgente"),
        ({"priority": "critical"}, "Priorité « critical » inconnue. Utilisez l’une de : low, normal, high, urgent."),
        ({"category": "complaints"}, "Catégorie « complaints » inconnue."),
        ({"related_kind": "order", "related_id": "x"}, "Objet lié inconnu : choisissez l’une de vos commandes"),
    ],
)
def test_a_refused_field_is_explained_in_french(organization, user, fields, said):
    with pytest.raises(ValidationFailed) as refused, translation.override("fr"):
        open_ticket(organization=organization, requester=user, **fields)
    assert said in refused.value.message


@pytest.mark.parametrize(("language", "said"), [("fr", "Répondre, annoter, attribuer →"), ("en", "Reply, note, assign →")])
def test_the_admin_links_to_the_agent_page_in_the_staff_language(admin_client, organization, user, language, said):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    ticket = open_ticket(organization=organization, requester=user)
    assert said in admin_client.get(f"/admin/support/ticket/{ticket.pk}/change/").content.decode()
