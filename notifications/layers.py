"""The Redis channel layer production runs: channels_redis with a connection pool that waits and
reconnects.

redis-py's asyncio pool opens up to 100 connections and then raises MaxConnectionsError: a
thousand sockets joining or leaving their groups at once (a deploy, a network blip) failed most
of them. This pool reuses up to `max_connections` connections per process and event loop, and a
command waits (up to `timeout` seconds) for a free one instead.

A pool built from a URL has no retry (redis-py gives one only to clients it builds itself): after
Redis restarted, the first command on each pooled connection failed with "Connection closed by
server", so the first live event a process sent after an outage was lost. Commands are retried on
a new connection, briefly, so a Redis that is really down is still known within seconds.
"""

from channels_redis import core
from redis.asyncio import BlockingConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

MAX_CONNECTIONS = 50
TIMEOUT = 20
RETRIES = 2


def retry():
    return Retry(ExponentialWithJitterBackoff(base=0.1, cap=1), RETRIES)


class RedisChannelLayer(core.RedisChannelLayer):
    def create_pool(self, index):
        host = dict(self.hosts[index])
        return BlockingConnectionPool.from_url(
            host.pop("address"), max_connections=MAX_CONNECTIONS, timeout=TIMEOUT, retry=retry(), **host
        )
