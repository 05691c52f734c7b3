"""Who may open the notification socket: native apps by JWT (no Origin header), browsers by
session cookie from an allowed origin only; and an idle socket keeps receiving events."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import UserFactory
from config.asgi import application
from notifications.services import push_event

pytestmark = pytest.mark.django_db(transaction=True)


async def access_token(user):
    return await sync_to_async(lambda: str(RefreshToken.for_user(user).access_token))()


async def session_cookie(client, user):
    await sync_to_async(client.force_login)(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def opens(path, headers=()):
    ws = WebsocketCommunicator(application, path, headers=list(headers))
    connected, code = await ws.connect()
    if connected:
        hello = await ws.receive_json_from()
        await ws.disconnect()
        return hello["type"]
    return code


async def test_a_native_app_opens_the_socket_with_a_token_and_no_origin():
    user = await sync_to_async(UserFactory)()
    token = await access_token(user)
    assert await opens("/ws/notifications/", [(b"authorization", f"Bearer {token}".encode())]) == "hello"
    assert await opens(f"/ws/notifications/?token={token}") == "hello"


async def test_a_token_socket_is_judged_by_its_token_alone(client):
    user = await sync_to_async(UserFactory)()
    cookie = await session_cookie(client, user)
    # A bad token is refused even with a valid session cookie and an allowed origin.
    assert await opens("/ws/notifications/?token=not-a-jwt", [(b"origin", b"http://localhost"), cookie]) == 4401
    assert await opens("/ws/notifications/", [(b"authorization", b"Bearer expired.or.forged")]) == 4401


async def test_a_cookie_socket_needs_an_allowed_origin(client):
    user = await sync_to_async(UserFactory)()
    cookie = await session_cookie(client, user)
    assert await opens("/ws/notifications/", [(b"origin", b"http://localhost:8000"), cookie]) == "hello"
    # Another site's page would send the cookie too: refused, as is a cookie socket with no origin.
    assert await opens("/ws/notifications/", [(b"origin", b"https://evil.example"), cookie]) != "hello"
    assert await opens("/ws/notifications/", [cookie]) != "hello"


async def test_no_credentials_means_no_socket():
    assert await opens("/ws/notifications/", [(b"origin", b"http://localhost")]) == 4401
    assert await opens("/ws/notifications/") != "hello"


async def test_an_idle_socket_rejoins_its_group_before_the_layer_forgets_it(settings):
    """The layer drops group members after group_expiry; a socket open longer than that still
    receives events because it joins again at half the expiry."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"group_expiry": 1}}}
    user = await sync_to_async(UserFactory)()
    ws = WebsocketCommunicator(application, f"/ws/notifications/?token={await access_token(user)}")
    assert (await ws.connect())[0]
    await ws.receive_json_from()
    assert await ws.receive_nothing(timeout=2.5)  # idle for longer than the expiry
    await sync_to_async(push_event)(user, "test.ping", {"n": 1})
    assert await ws.receive_json_from(timeout=2) == {"type": "test.ping", "n": 1}
    await ws.disconnect()
