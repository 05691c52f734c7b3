"""Request throttles that cost one cache round trip.

DRF's throttles keep a list of timestamps per client that they read and write back: two Redis
round trips per throttle, and the anonymous rate and the user rate both applied to a visitor made
it four per request. Here each throttle counts requests in a fixed window (one pipelined
`SET NX EX` + `INCR` on Redis), and one default throttle applies the `user` rate to signed-in users
and the `anon` rate to everyone else. A fixed window lets a client that spends its allowance at
the end of one window spend it again at the start of the next: twice the rate for a moment, which
these limits (abuse and brute force, not billing) allow.

The client's address is REMOTE_ADDR, or the X-Forwarded-For entry added by the last of
TRUSTED_PROXY_COUNT proxies (DRF's NUM_PROXIES follows it): a header the client writes itself never
picks its own bucket.
"""

import hashlib

from django.core.cache import caches
from django_redis.cache import RedisCache
from rest_framework import throttling
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import UntypedToken


def hit(key, seconds):
    """Add one to the counter `key`, created to live `seconds`, and return its new value."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        full_key = cache.make_key(key)
        pipe = cache.client.get_client(write=True).pipeline(transaction=False)
        pipe.set(full_key, 0, ex=seconds, nx=True)
        pipe.incr(full_key)
        return pipe.execute()[1]
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls: a new window
        cache.add(key, 1, seconds)
        return 1


class CountingRateThrottle(throttling.SimpleRateThrottle):
    """SimpleRateThrottle with a counter per window instead of a list of timestamps."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        return hit(f"{self.key}:{window}", self.duration) <= self.num_requests

    def wait(self):
        return max(self.window_ends - self.now, 0)


class RequestRateThrottle(CountingRateThrottle):
    """The default throttle: a signed-in user by id at the `user` rate, anyone else by address at
    the `anon` rate."""

    def __init__(self):  # the scope, hence the rate, depends on who asks
        pass

    def allow_request(self, request, view):
        self.scope = "user" if request.user and request.user.is_authenticated else "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        ident = request.user.pk if self.scope == "user" else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AuthRateThrottle(CountingRateThrottle):
    """Stricter limit for credential endpoints, by client address, whoever is logged in."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RegisterRateThrottle(AuthRateThrottle):
    scope = "register"


class PublicFormThrottle(AuthRateThrottle):
    scope = "public_form"


class TokenUserRateThrottle(CountingRateThrottle):
    """Refresh and logout, per user of the token sent (thousands of app users share one carrier-grade
    NAT address); a token that does not verify falls back to the address."""

    scope = "refresh"

    def get_cache_key(self, request, view):
        raw = request.data.get("refresh") if hasattr(request.data, "get") else None
        try:
            ident = f"user-{UntypedToken(raw)[jwt_settings.USER_ID_CLAIM]}"
        except (TokenError, KeyError, TypeError):
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class KeyedThrottle(CountingRateThrottle):
    """A limit on any key (an address, a target email), for pages as well as the API."""

    def __init__(self, scope, key):
        self.scope, self.key_value = scope, key
        super().__init__()

    def get_cache_key(self, request, view):
        ident = hashlib.sha256(self.key_value.lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


def allowed(request, **keys):
    """Whether `request` may go on under every limit named (scope=key); each limit counts the hit."""
    return all([KeyedThrottle(scope, key).allow_request(request, None) for scope, key in keys.items()])


def client_address(request):
    return AuthRateThrottle().get_ident(request)


class ScopedRateThrottle(throttling.ScopedRateThrottle, CountingRateThrottle):
    """DRF's scoped throttle (a view's `throttle_scope`), counting."""


__all__ = [
    "AuthRateThrottle",
    "KeyedThrottle",
    "PublicFormThrottle",
    "RegisterRateThrottle",
    "RequestRateThrottle",
    "ScopedRateThrottle",
    "TokenUserRateThrottle",
    "allowed",
    "client_address",
]
