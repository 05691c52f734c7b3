"""Notices to an audience (an organization, everyone): rows written in bulk in each recipient's
language, one group send, every socket served, on the Redis layer production runs."""

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from celery.exceptions import Retry
from channels.testing import WebsocketCommunicator
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import Membership, User
from accounts.tests.factories import OrganizationFactory, UserFactory
from config.asgi import application
from config.settings.base import redis_channel_layer
from conftest import requires_redis
from notifications import live, services, tasks
from notifications.models import Broadcast, Notification
from notifications.services import broadcast, mark_all_read, notify

# More sockets than channels_redis's default capacity (100), all on this one process's Redis key.
SOCKETS = 150
MEMBERS = 120


@pytest.fixture
def redis_layer(settings):
    layer = redis_channel_layer(settings.REDIS_URL)
    layer["CONFIG"]["prefix"] = f"test-{uuid.uuid4().hex[:8]}"  # nothing left over from another run
    settings.CHANNEL_LAYERS = {"default": layer}


def audience():
    """A French organization with MEMBERS members (every other one reads English), and outsiders."""
    organization = OrganizationFactory(locale="fr")
    users = User.objects.bulk_create(
        [User(email=f"sock{n}@example.test", locale="en" if n % 2 else "") for n in range(SOCKETS)]
    )
    Membership.objects.bulk_create([Membership(user=user, organization=organization) for user in users[:MEMBERS]])
    return organization, users


async def open_sockets(users):
    sockets = []
    for user in users:
        ws = WebsocketCommunicator(application, f"/ws/notifications/?token={AccessToken.for_user(user)}")
        assert (await ws.connect())[0]
        assert (await ws.receive_json_from(timeout=5))["type"] == "hello"
        sockets.append(ws)
    return sockets


async def everyone_receives(sockets):
    return await asyncio.gather(*(ws.receive_json_from(timeout=10) for ws in sockets))


@requires_redis
@pytest.mark.django_db(transaction=True)
async def test_broadcasts_reach_every_socket_in_its_language(redis_layer):
    organization, users = await sync_to_async(audience)()
    sockets = await open_sockets(users)
    members, outsiders = sockets[:MEMBERS], sockets[MEMBERS:]

    # Known to the French catalogue: "Diffuser une notification".
    title = gettext_lazy("Broadcast a notification")
    await sync_to_async(broadcast)(key=uuid.uuid4(), title=title, link="/status/", organization=organization)
    received = await everyone_receives(members)
    assert {(m["type"], m["link"], m["unread"]) for m in received} == {("notification", "/status/", 1)}
    titles = [m["title"] for m in received]
    assert titles[1::2] == ["Broadcast a notification"] * (MEMBERS // 2)  # English readers
    assert titles[0::2] == ["Diffuser une notification"] * (MEMBERS // 2)  # follow the organization
    assert all([await ws.receive_nothing(timeout=0.05) for ws in outsiders])

    written = await sync_to_async(broadcast)(key=uuid.uuid4(), title="Maintenance at 22:00", body="An hour at most.")
    assert written == SOCKETS
    received = await everyone_receives(sockets)
    assert {(m["title"], m["body"]) for m in received} == {("Maintenance at 22:00", "An hour at most.")}
    assert [m["unread"] for m in received] == [2] * MEMBERS + [1] * (SOCKETS - MEMBERS)
    assert await sync_to_async(Notification.objects.count)() == MEMBERS + SOCKETS
    # All leaving at once: 450 group discards in flight, more than redis-py's default pool allowed.
    await asyncio.gather(*(ws.disconnect() for ws in sockets))


@requires_redis
@pytest.mark.django_db(transaction=True)
async def test_a_burst_of_pushes_waiting_on_one_process_is_not_dropped(redis_layer):
    _, users = await sync_to_async(audience)()
    sockets = await open_sockets(users)
    # The event loop that reads them is held here while all the pushes are sent: they wait in this
    # process's Redis key, which at the old capacity dropped all but 100 of them.
    for user in users:
        live.group_send(live.user_group(user.pk), {"type": "push", "payload": {"type": "ping", "to": user.pk}})
    received = await everyone_receives(sockets)
    assert [m["to"] for m in received] == [user.pk for user in users]
    for ws in sockets:
        await ws.disconnect()


@requires_redis
@pytest.mark.django_db(transaction=True)
async def test_each_closed_socket_ends_its_consumer_by_itself_on_the_redis_layer(redis_layer):
    """One receive per process reads for every socket (channels_redis), and a socket closing is
    often the one just handed that role: its consumer still ends by itself, at once."""
    users = await sync_to_async(lambda: UserFactory.create_batch(12))()
    for n, ws in enumerate(await open_sockets(users)):
        await ws.send_input({"type": "websocket.disconnect", "code": 1000})
        ended, _ = await asyncio.wait([ws.future], timeout=3)  # a swallowed cancel never ends
        await ws.wait()
        assert ended, f"socket {n}: the closed socket's consumer was still running"


@pytest.mark.django_db
def test_a_broadcast_to_everyone_writes_in_bulk(run_on_commit):
    User.objects.bulk_create([User(email=f"b{n}@example.test") for n in range(30)])
    User.objects.create(email="gone@example.test", is_active=False)
    with CaptureQueriesContext(connection) as queries, run_on_commit(execute=True):
        assert broadcast(key=uuid.uuid4(), title="Hello") == 30
    # The broadcast's key (looked up, inserted in a savepoint), the users, one insert, the
    # transaction's own statements.
    assert len(queries) <= 9
    assert Notification.objects.filter(kind="broadcast").count() == 30


@pytest.mark.django_db(transaction=True)
async def test_reading_notifications_brings_every_open_socket_to_the_new_count():
    user = await sync_to_async(UserFactory)()
    ws = WebsocketCommunicator(application, f"/ws/notifications/?token={AccessToken.for_user(user)}")
    assert (await ws.connect())[0]
    await ws.receive_json_from()
    await sync_to_async(notify)(user, "broadcast", title="One")
    assert (await ws.receive_json_from(timeout=2))["unread"] == 1
    await sync_to_async(mark_all_read)(user=user)
    assert await ws.receive_json_from(timeout=2) == {"type": "unread", "unread": 0}
    await ws.disconnect()


def fail_once(monkeypatch, owner, name, *, after=False):
    """`owner.name` fails once with a transient error: before doing its work, or after it (the
    work committed, then the worker lost its connection: the broker delivers the task again)."""
    real, calls = getattr(owner, name), []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            return real(*args, **kwargs)
        if after:
            real(*args, **kwargs)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(owner, name, flaky)
    return calls


@pytest.mark.parametrize("after", [False, True], ids=["fails before its work", "fails after its work"])
@pytest.mark.parametrize("to_organization", [False, True], ids=["to everyone", "to an organization"])
@pytest.mark.django_db
def test_a_broadcast_task_that_fails_once_notifies_each_recipient_once(
    organization, user, other_user, run_on_commit, monkeypatch, after, to_organization
):
    owner = services if after else Notification.objects
    calls = fail_once(monkeypatch, owner, "broadcast" if after else "bulk_create", after=after)
    key = str(uuid.uuid4())
    args = [key, "Maintenance at 22:00", "An hour at most.", "", organization.pk if to_organization else None]
    with pytest.raises(Retry), run_on_commit(execute=True):
        tasks.broadcast.delay(*args)
    with run_on_commit(execute=True):
        tasks.broadcast.apply(args=args, retries=1)  # the retry, once its back-off has passed
        tasks.broadcast.apply(args=args)  # and the same task delivered once more
    # Failed once, then done; the duplicate found it done (before writing a row, or before the service ran again).
    assert len(calls) == (3 if after else 2)
    recipients = [user.email] if to_organization else sorted([user.email, other_user.email])
    assert sorted(Notification.objects.values_list("recipient__email", flat=True)) == recipients
    assert Broadcast.objects.get().key == uuid.UUID(key)
