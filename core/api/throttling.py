from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle


class AuthRateThrottle(SimpleRateThrottle):
    """Stricter limit for credential endpoints, by client address, whoever is logged in."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PublicFormThrottle(AuthRateThrottle):
    scope = "public_form"


__all__ = ["AuthRateThrottle", "PublicFormThrottle", "ScopedRateThrottle"]
