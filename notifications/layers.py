"""The Redis channel layer production runs: channels_redis with a connection pool that waits.

redis-py's asyncio pool opens up to 100 connections and then raises MaxConnectionsError: a
thousand sockets joining or leaving their groups at once (a deploy, a network blip) failed most
of them. This pool reuses up to `max_connections` connections per process and event loop, and a
command waits (up to `timeout` seconds) for a free one instead.
"""

from channels_redis import core
from redis.asyncio import BlockingConnectionPool

MAX_CONNECTIONS = 50
TIMEOUT = 20


class RedisChannelLayer(core.RedisChannelLayer):
    def create_pool(self, index):
        host = dict(self.hosts[index])
        return BlockingConnectionPool.from_url(
            host.pop("address"), max_connections=MAX_CONNECTIONS, timeout=TIMEOUT, **host
        )
