"""What services refuse and announce reads in the reader's language: the API's error messages follow
Accept-Language (or the user's setting), and a notification is written in its recipient's language,
whatever language the code that sent it ran in."""

import pytest
from django.contrib.auth.models import Group
from django.utils import translation
from django.utils.functional import Promise

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from core import errors
from notifications.models import Notification
from support.models import AGENTS_GROUP
from support.services import tickets

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "language, payload, message",
    [
        ("fr", {"product": "xof-only", "quantity": 1}, "« Seulement en francs » n’est pas vendu en EUR."),
        ("en", {"product": "xof-only", "quantity": 1}, "“Seulement en francs” is not sold in EUR."),
        ("fr", {"product": "gone", "quantity": 1}, "« Épuisé » est épuisé."),
        ("fr", {"product": "nope", "quantity": 1}, "Ce produit n’existe pas ou n’est plus vendu."),
    ],
)
def test_cart_errors_follow_accept_language(auth_api, language, payload, message):
    ProductFactory(slug="xof-only", name="Seulement en francs", eur=False)
    ProductFactory(slug="gone", name="Épuisé", stock=0)
    auth_api.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    error = auth_api.post("/api/v1/cart/items/", payload, format="json").json()["error"]
    assert error["message"] == message


def test_a_refused_ticket_reply_reads_in_french(auth_api, organization, user):
    agent = UserFactory(is_staff=True)
    agent.groups.add(Group.objects.get(name=AGENTS_GROUP))
    ticket = tickets.create_ticket(organization=organization, requester=user, subject="Invoice", body="Where is it?")
    tickets.close(ticket=ticket, by=agent)
    auth_api.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    response = auth_api.post(f"/api/v1/support/tickets/{ticket.pk}/messages/", {"body": "Allô ?"}, format="json")
    assert response.status_code == 409
    message = response.json()["error"]["message"]
    assert message == f"{ticket.number} est fermé. Ouvrez un ticket de suivi pour poursuivre la conversation."


def test_a_notification_is_titled_in_its_recipients_language(organization, user):
    agent = UserFactory(locale="fr", is_staff=True)
    agent.groups.add(Group.objects.get(name=AGENTS_GROUP))
    with translation.override("en"):
        ticket = tickets.create_ticket(organization=organization, requester=user, subject="Invoice", body="Where is it?")
    title = Notification.objects.get(recipient=agent, kind="support_ticket_new").title
    assert title == f"Nouveau ticket {ticket.number} (Normale)"


@pytest.mark.parametrize(("language", "message"), [("fr", "Introuvable."), ("en", "Not found.")])
def test_an_error_without_words_of_its_own_gives_its_default_in_the_reader_language(language, message):
    with translation.override(language):
        assert errors.NotFound().message == message


def test_every_default_error_message_is_translatable():
    defaults = {cls.__name__: cls.default_message for cls in vars(errors).values() if isinstance(cls, type)}
    assert defaults and not [name for name, message in defaults.items() if not isinstance(message, Promise)]
