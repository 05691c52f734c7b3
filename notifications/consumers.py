import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications.services import unread_count, user_group


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Pushes a user's notifications and live events; refuses anonymous sockets (code 4401).

    The first message, "hello", carries the unread count. Events sent while a client had no socket
    open are not replayed, so a page that shows live state reloads it on every hello: the first,
    and the one after each reconnection.
    """

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.rejoining = asyncio.ensure_future(self._stay_in_group())
        await self.accept()
        await self.send_json({"type": "hello", "unread": await database_sync_to_async(unread_count)(user)})

    async def _stay_in_group(self):
        """Channel layers drop a group's members after `group_expiry` (a day by default): a socket
        left open longer would silently stop receiving events, so it joins again well before."""
        every = getattr(self.channel_layer, "group_expiry", 86400) / 2
        while True:
            await asyncio.sleep(every)
            await self.channel_layer.group_add(self.group, self.channel_name)

    async def disconnect(self, code):
        if hasattr(self, "group"):
            self.rejoining.cancel()
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def push(self, event):
        await self.send_json(event["payload"])
