"""An internal note never reaches the customer: not on their page, in the API, an email, a
notification or a WebSocket message. Each check first shows the public reply did get there."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.db import transaction

from notifications.consumers import NotificationConsumer
from notifications.models import EmailLog, Notification
from support import services
from support.tests.factories import open_ticket

NOTE = "SECRET-NOTE: customer is on the refund watch list"
REPLY = "PUBLIC-REPLY: please clear your cache"


@pytest.fixture
def conversation(organization, user, agent, run_on_commit, pushes):
    ticket = open_ticket(organization=organization, requester=user)
    mail.outbox.clear()
    with run_on_commit(execute=True):
        services.agent_reply(ticket=ticket, agent=agent, body=NOTE, internal=True)
        services.agent_reply(ticket=ticket, agent=agent, body=REPLY)
    return ticket


def test_not_on_the_customer_pages(conversation, client_user, agent_client):
    for url in (f"/support/tickets/{conversation.number}/", f"/support/tickets/{conversation.number}/messages/"):
        page = client_user.get(url).content.decode()
        assert "PUBLIC-REPLY" in page
        assert "SECRET-NOTE" not in page
    assert "SECRET-NOTE" not in client_user.get("/support/?q=refund").content.decode()
    # The agents do see it, marked as internal.
    agent_page = agent_client.get(f"/support/agent/tickets/{conversation.pk}/").content.decode()
    assert "SECRET-NOTE" in agent_page and 'class="tag-internal"' in agent_page


def test_not_in_the_api(conversation, auth_api):
    for url in (f"/api/v1/support/tickets/{conversation.pk}/", f"/api/v1/support/tickets/{conversation.pk}/messages/"):
        body = auth_api.get(url).content.decode()
        assert "PUBLIC-REPLY" in body
        assert "SECRET-NOTE" not in body
    assert auth_api.get("/api/v1/support/tickets/?search=refund").json()["count"] == 0


def test_not_in_emails_or_notifications(conversation, user):
    to_customer = [m for m in mail.outbox if m.to == [user.email]]
    assert len(to_customer) == 1 and "PUBLIC-REPLY" in to_customer[0].body
    assert not any("SECRET-NOTE" in m.body or "SECRET-NOTE" in m.subject for m in mail.outbox)
    assert not EmailLog.objects.filter(body_text__contains="SECRET-NOTE").exists()
    notes = Notification.objects.filter(recipient=user)
    assert notes.filter(body__contains="PUBLIC-REPLY").count() == 1
    assert not notes.filter(body__contains="SECRET-NOTE").exists()


def test_not_in_websocket_payloads(conversation, user, pushes):
    to_customer = [payload for user_id, payload in pushes if user_id == user.pk]
    assert any("PUBLIC-REPLY" in str(payload) for payload in to_customer)
    assert not any("SECRET-NOTE" in str(payload) for _, payload in pushes)


@pytest.mark.django_db(transaction=True)
async def test_not_on_a_real_socket(organization, user, agent, settings):
    """Through the real consumer and channel layer: the customer's socket gets the reply only."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    ticket = await sync_to_async(open_ticket)(organization=organization, requester=user)
    communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"

    def answer():
        with transaction.atomic():
            services.agent_reply(ticket=ticket, agent=agent, body=NOTE, internal=True)
            services.agent_reply(ticket=ticket, agent=agent, body=REPLY)

    await sync_to_async(answer)()
    received = []
    while not await communicator.receive_nothing(timeout=0.3):
        received.append(await communicator.receive_json_from())
    await communicator.disconnect()
    assert {"support.message", "notification"} <= {event["type"] for event in received}
    assert any("PUBLIC-REPLY" in str(event) for event in received)
    assert not any("SECRET-NOTE" in str(event) for event in received)
