"""Sockets when the channel layer goes away (Redis stopped): an open socket is closed with 1013
(Try Again Later) and a new one is refused the same way, without a server error or a traceback;
once the layer is back, a new socket receives events again."""

import asyncio
import logging

import pytest
import redis.asyncio
import redis.exceptions
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from config.asgi import application
from config.settings.base import redis_channel_layer
from conftest import requires_redis
from notifications.consumers import TRY_AGAIN_LATER
from notifications.layers import RedisChannelLayer
from notifications.services import push_event

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = "Error 111 connecting to 127.0.0.1:6379. Connection refused."


class FlakyLayer(InMemoryChannelLayer):
    """The in-memory layer, failing as channels_redis does once Redis stops: a receive in
    progress raises, and so does every call after it until Redis is back."""

    def __init__(self, **config):
        super().__init__(**config)
        self.down = asyncio.Event()

    def fail_if_down(self):
        if self.down.is_set():
            raise redis.exceptions.ConnectionError(REFUSED)

    async def receive(self, channel):
        self.fail_if_down()
        receiving = asyncio.ensure_future(super().receive(channel))
        outage = asyncio.ensure_future(self.down.wait())
        done, _ = await asyncio.wait({receiving, outage}, return_when=asyncio.FIRST_COMPLETED)
        if receiving in done:
            outage.cancel()
            return receiving.result()
        receiving.cancel()
        self.fail_if_down()

    async def group_add(self, group, channel):
        self.fail_if_down()
        await super().group_add(group, channel)

    async def group_discard(self, group, channel):
        self.fail_if_down()
        await super().group_discard(group, channel)

    async def group_send(self, group, message):
        self.fail_if_down()
        await super().group_send(group, message)


@pytest.fixture
def flaky_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": f"{__name__}.FlakyLayer"}}
    return get_channel_layer()


@pytest.fixture
def errors(caplog):
    """What the process logged at ERROR (a traceback of the server or of the consumer)."""
    caplog.set_level(logging.WARNING)
    return lambda: [record for record in caplog.records if record.levelno >= logging.ERROR]


async def socket_for(user):
    token = await sync_to_async(lambda: str(AccessToken.for_user(user)))()
    return WebsocketCommunicator(application, f"/ws/notifications/?token={token}")


async def close_code(ws, timeout=2):
    """The code of the close the server sends next (no other message before it, and nothing
    after it: a second close is a server error)."""
    message = await ws.receive_output(timeout=timeout)
    assert message["type"] == "websocket.close", message
    assert await ws.receive_nothing(timeout=0.3)
    return message["code"]


async def opened(user):
    ws = await socket_for(user)
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from(timeout=2))["type"] == "hello"
    return ws


async def test_an_open_socket_whose_layer_fails_is_closed_to_try_again_later(flaky_layer, errors, caplog):
    user = await sync_to_async(UserFactory)()
    ws = await opened(user)
    flaky_layer.down.set()
    assert await close_code(ws) == TRY_AGAIN_LATER
    await ws.disconnect()  # the client goes; its groups are not discarded from a layer that is down
    await ws.wait()
    assert errors() == []
    assert "socket_closed reason=unavailable during=receive error=ConnectionError" in caplog.text


async def test_a_socket_opened_while_the_layer_is_down_is_refused_cleanly_then_served_once_it_is_back(flaky_layer, errors):
    user = await sync_to_async(UserFactory)()
    flaky_layer.down.set()
    ws = await socket_for(user)
    assert (await ws.connect())[0]  # accepted, so that the client reads why it is closed
    assert await close_code(ws) == TRY_AGAIN_LATER
    await ws.wait()
    # A push meanwhile is lost, without an error reaching its caller.
    await sync_to_async(push_event)(user, "test.ping", {"n": 1})

    flaky_layer.down.clear()
    ws = await opened(user)
    await sync_to_async(push_event)(user, "test.ping", {"n": 2})
    assert await ws.receive_json_from(timeout=2) == {"type": "test.ping", "n": 2}
    await ws.disconnect()
    assert errors() == []


async def test_a_socket_that_cannot_rejoin_its_groups_is_closed_to_try_again_later(settings, errors):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": f"{__name__}.FlakyLayer", "CONFIG": {"group_expiry": 1}}}
    user = await sync_to_async(UserFactory)()
    ws = await opened(user)
    layer = get_channel_layer()
    # Only the group calls fail: the receive in progress goes on waiting.
    layer.group_add = lambda *args: (_ for _ in ()).throw(redis.exceptions.ConnectionError(REFUSED))
    assert await close_code(ws, timeout=3) == TRY_AGAIN_LATER
    await ws.disconnect()
    assert errors() == []


async def test_on_a_redis_that_does_not_answer_a_socket_is_refused_cleanly(settings, errors):
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer("redis://127.0.0.1:1/0")}  # nothing listens there
    user = await sync_to_async(UserFactory)()
    ws = await socket_for(user)
    assert (await ws.connect(timeout=30))[0]
    assert await close_code(ws, timeout=30) == TRY_AGAIN_LATER
    await ws.wait()
    assert errors() == []


@requires_redis
async def test_after_redis_dropped_its_connections_the_first_command_still_goes_through(settings):
    """A restarted Redis has closed every pooled connection: the first event a process sent after
    an outage failed with "Connection closed by server" and was lost (seen in the e2e drill)."""
    config = redis_channel_layer(settings.REDIS_URL)["CONFIG"]
    client = RedisChannelLayer(**config).connection(0)
    assert await client.ping()
    killer = redis.asyncio.from_url(settings.REDIS_URL)
    assert await killer.client_kill_filter(_id=await client.client_id()) == 1
    await killer.aclose()
    assert await client.ping()
    await client.connection_pool.disconnect()
