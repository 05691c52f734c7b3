"""Cached dashboard figures, in two families with their own version number: "subscriptions"
(MRR, movement, churn: subscriptions, plan prices, coupons) and "invoices" (cash collected,
receivables: invoices, payments, credit notes, refunds). A change bumps its family's version after
the commit, so the next reader recomputes only what that change can move; a payment never
recomputes the MRR history. The TTL bounds staleness for changes that bypass those models."""

from django.core.cache import cache

from backoffice import conf

SUBSCRIPTIONS, INVOICES = "subscriptions", "invoices"


def _key(family):
    return f"backoffice:version:{family}"


def version(family):
    return cache.get_or_set(_key(family), 1, timeout=None)


def bump(*families):
    for family in families:
        try:
            cache.incr(_key(family))
        except ValueError:  # evicted or never set: any new value invalidates the old keys
            cache.set(_key(family), 2, timeout=None)


def cached(name, family, params, compute):
    key = f"backoffice:{name}:v{version(family)}:" + ":".join(str(value) for value in params)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=conf.CACHE_SECONDS)
    return value
