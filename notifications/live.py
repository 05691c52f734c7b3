"""The channel layer, as the rest of the process reaches it: group names and one send function.

Sockets join three kinds of group (see consumers.py): their user's, each of their organizations',
and everyone's. A notice for an organization or for everyone is one group send to that audience,
whatever its size.

channels_redis keeps a connection pool per event loop and closes it with the loop. Sync code with
no loop of its own (the Celery worker, management commands) used `async_to_sync`, which runs a
new loop per call: a new Redis connection per push. Here such callers share one long-lived loop
in a daemon thread, so the process reuses one pool. The in-process layers (tests, channels-lite)
hold asyncio queues that belong to the caller's loop, and keep `async_to_sync`.
"""

import asyncio
import os
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer  # and notifications.layers' subclass

EVERYONE = "everyone"
SEND_TIMEOUT = 10  # seconds: a Redis that does not answer fails the push instead of hanging the caller


def user_group(user_id):
    return f"user_{user_id}"


def organization_group(organization_id):
    return f"org_{organization_id}"


class _Loop:
    """One event loop in a daemon thread per process (started again in a forked child)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.loop = None
        self.pid = None

    def get(self):
        with self.lock:
            if self.loop is None or self.pid != os.getpid():
                self.loop = asyncio.new_event_loop()
                self.pid = os.getpid()
                threading.Thread(target=self.loop.run_forever, name="channel-layer-sender", daemon=True).start()
            return self.loop


_sender = _Loop()


def group_send(group, message):
    """Send `message` to every socket of `group`; raises what the layer raises (e.g. Redis down)."""
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, RedisChannelLayer):
        future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), _sender.get())
        try:
            future.result(timeout=SEND_TIMEOUT)
        except TimeoutError:
            future.cancel()  # not left waiting on the loop (and holding a pooled connection)
            raise
    else:
        async_to_sync(layer.group_send)(group, message)
