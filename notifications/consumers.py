import asyncio
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.models import Membership
from accounts.selectors import language_for
from core.tasks import TRANSIENT_ERRORS
from notifications.live import EVERYONE, organization_group, user_group
from notifications.services import unread_count

logger = logging.getLogger("webox.notifications")

# RFC 6455 "Try Again Later": the server cannot serve the socket now (the channel layer or the
# database is down). Clients reconnect with back-off; 4401 (not logged in) is the one not retried.
TRY_AGAIN_LATER = 1013


def in_any_thread(fn):
    """Database work of a socket, in any thread of the pool (not one thread for every socket of the
    process): a thousand sockets connecting at once wait on PostgreSQL side by side."""
    return database_sync_to_async(fn, thread_sensitive=False)


async def cancelled(task):
    """Cancel `task` and wait for its end, cancelling it again if a cancel is lost.

    Python 3.11's asyncio.wait_for, which redis-py sends every command through, swallows a cancel
    that arrives as the send completes (fixed in 3.12). A closing socket whose receive was sending
    its BZPOPMIN at that moment (in channels_redis, one receive per process holds the lock and reads
    for every socket; a socket closing is often the one just handed the lock) then read on for
    ever: the closed socket's consumer never ended, and held the process's receive lock."""
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=0.05)
    if not task.cancelled():
        task.exception()  # read, so that a failure of a receive nobody waits for is not logged as lost


def socket_state(user):
    """({group: language its notices are read in}, unread count) for a user's socket, in two
    queries: their own group, everyone's, and each organization they are a member of."""
    memberships = list(Membership.objects.filter(user=user).select_related("organization"))
    organizations = {membership.organization_id: membership.organization for membership in memberships}
    everyone = language_for(user, organizations.get(user.default_organization_id))
    groups = {user_group(user.pk): None, EVERYONE: everyone}
    for organization in organizations.values():
        groups[organization_group(organization.pk)] = language_for(user, organization)
    return groups, unread_count(user)


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Pushes a user's notifications and live events; refuses anonymous sockets (code 4401).

    The first message, "hello", carries the unread count. Events sent while a client had no socket
    open are not replayed, so a page that shows live state reloads it on every hello: the first,
    and the one after each reconnection.

    Notices for an organization or for everyone arrive as one message to the whole audience with
    their text in each language; the socket shows its user's and counts them into the unread count
    it keeps (set by hello and by every push that carries the count).

    When the channel layer fails (Redis down), an open socket is closed with 1013 (Try Again
    Later), and a new one is accepted and closed the same way, never a server error. Clients
    reconnect with back-off; once the layer is back, the new socket joins its groups again (a
    restarted Redis has forgotten them) and its hello reloads the page's state.
    """

    layer_broken = False
    closing = False  # closed with TRY_AGAIN_LATER

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        try:
            groups, unread = await in_any_thread(socket_state)(user)
            await self._join(groups)
        except TRANSIENT_ERRORS as exc:
            await self.accept()
            await self._try_again_later("connect", exc)
            return
        self.groups_joined, self.unread = groups, unread
        self.rejoining = asyncio.ensure_future(self._stay_in_groups())
        await self.accept()
        await self.send_json({"type": "hello", "unread": self.unread})

    async def _join(self, groups):
        await asyncio.gather(*(self.channel_layer.group_add(group, self.channel_name) for group in groups))

    async def _stay_in_groups(self):
        """Channel layers drop a group's members after `group_expiry` (a day by default): a socket
        left open longer would silently stop receiving events, so it joins again well before."""
        every = getattr(self.channel_layer, "group_expiry", 86400) / 2
        while True:
            await asyncio.sleep(every)
            try:
                await self._join(self.groups_joined)
            except TRANSIENT_ERRORS as exc:
                await self._try_again_later("rejoin", exc)
                return

    async def _try_again_later(self, during, exc):
        """Close once, whichever part finds the layer down first (a connect that fails also fails
        the receive already waiting beside it): a second close is a server error."""
        self.layer_broken = True
        if self.closing:
            return
        self.closing = True
        logger.warning("socket_closed reason=unavailable during=%s error=%s: %s", during, exc.__class__.__name__, exc)
        await self.close(code=TRY_AGAIN_LATER)

    # channels' __call__ stores the layer's receive here and awaits it beside the client's
    # messages: an error it raises would end the consumer with a traceback (close 1011), so the
    # consumer reads the layer through _receive_from_layer instead.
    @property
    def channel_receive(self):
        return self._receive_from_layer

    @channel_receive.setter
    def channel_receive(self, receive):
        self._layer_receive = receive

    async def _receive_from_layer(self):
        if self.layer_broken:
            await asyncio.get_running_loop().create_future()  # nothing more from a broken layer
        receiving = asyncio.ensure_future(self._layer_receive())
        try:
            return await asyncio.shield(receiving)
        except asyncio.CancelledError:
            await cancelled(receiving)
            raise
        except TRANSIENT_ERRORS as exc:
            self.layer_broken = True
            return {"type": "layer.failed", "error": exc}

    async def layer_failed(self, event):
        await self._try_again_later("receive", event["error"])

    async def disconnect(self, code):
        if not hasattr(self, "rejoining"):
            return
        self.rejoining.cancel()
        if self.layer_broken:
            return  # its groups expire on their own (group_expiry), or went with a restarted Redis
        try:
            await asyncio.gather(
                *(self.channel_layer.group_discard(group, self.channel_name) for group in self.groups_joined)
            )
        except TRANSIENT_ERRORS as exc:
            logger.warning("socket_groups_kept error=%s: %s", exc.__class__.__name__, exc)

    async def push(self, event):
        payload = event["payload"]
        if isinstance(payload.get("unread"), int):
            self.unread = payload["unread"]
        await self.send_json(payload)

    async def audience(self, event):
        texts = event["texts"]
        text = texts.get(self.groups_joined.get(event["audience"])) or next(iter(texts.values()))
        self.unread += 1
        await self.send_json(
            {
                "type": "notification",
                "kind": event["kind"],
                "title": text["title"],
                "body": text["body"],
                "link": event["link"],
                "created_at": event["created_at"],
                "unread": self.unread,
            }
        )
