"""Cached dashboard figures. Every key embeds a version number; a change to an invoice, payment,
credit note, refund or subscription bumps it (after the commit), so the next reader recomputes.
The TTL bounds staleness for changes that do not go through those models."""

from django.core.cache import cache

from backoffice import conf

VERSION_KEY = "backoffice:figures:version"


def version():
    return cache.get_or_set(VERSION_KEY, 1, timeout=None)


def bump():
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # evicted or never set: any new value invalidates the old keys
        cache.set(VERSION_KEY, 2, timeout=None)


def cached(name, params, compute):
    key = f"backoffice:{name}:v{version()}:" + ":".join(str(value) for value in params)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=conf.CACHE_SECONDS)
    return value
