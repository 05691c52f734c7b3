import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.models import Membership
from accounts.selectors import language_for
from notifications.live import EVERYONE, organization_group, user_group
from notifications.services import unread_count


def in_any_thread(fn):
    """Database work of a socket, in any thread of the pool (not one thread for every socket of the
    process): a thousand sockets connecting at once wait on PostgreSQL side by side."""
    return database_sync_to_async(fn, thread_sensitive=False)


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
    """

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.groups_joined, self.unread = await in_any_thread(socket_state)(user)
        await self._join()
        self.rejoining = asyncio.ensure_future(self._stay_in_groups())
        await self.accept()
        await self.send_json({"type": "hello", "unread": self.unread})

    async def _join(self):
        await asyncio.gather(*(self.channel_layer.group_add(group, self.channel_name) for group in self.groups_joined))

    async def _stay_in_groups(self):
        """Channel layers drop a group's members after `group_expiry` (a day by default): a socket
        left open longer would silently stop receiving events, so it joins again well before."""
        every = getattr(self.channel_layer, "group_expiry", 86400) / 2
        while True:
            await asyncio.sleep(every)
            await self._join()

    async def disconnect(self, code):
        if hasattr(self, "groups_joined"):
            self.rejoining.cancel()
            await asyncio.gather(
                *(self.channel_layer.group_discard(group, self.channel_name) for group in self.groups_joined)
            )

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
