"""The errors that mean a shared service is down or saturated, not that the code is wrong.

Kept free of Django imports: the logging configuration reads it before the apps are loaded."""

import redis.exceptions
from django_redis.exceptions import ConnectionInterrupted
from kombu.exceptions import OperationalError as BrokerError
from psycopg_pool import PoolTimeout

# A shared service (Redis: cache, throttles, broker, channel layer) that cannot be reached.
UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, ConnectionInterrupted, BrokerError)


def unavailable(exc):
    """A shared service down, or no database connection free in time: under a burst of work that
    holds connections (logins hash their password while their request holds one), every pooled
    connection stays busy past the pool's wait, and Django raises psycopg_pool's PoolTimeout as
    its OperationalError. Worth trying again a little later: not a bug."""
    return isinstance(exc, UNAVAILABLE) or isinstance(getattr(exc, "__cause__", None), PoolTimeout)
