"""Who opens the notification socket, and from where.

- Native apps present a JWT access token: the `Authorization: Bearer <access>` header (best: it
  never reaches a URL or a log line) or `?token=<access>` (for clients that cannot set headers).
  They send no Origin header, and need none: the token is the credential, which a foreign page
  cannot borrow.
- Browsers present the session cookie, which they attach whatever page opened the socket, so a
  cookie socket is accepted only from an allowed origin (cross-site WebSocket hijacking).

A socket that presents a token is judged by the token alone: its cookie is not read. A bad or
expired token leaves the socket anonymous, and the consumer closes it with code 4401.
"""

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser


def presented_token(scope):
    """The raw token a client sent (header first, then query string), or None."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin1").partition(" ")
            if scheme.lower() == "bearer":
                return token.strip()
    tokens = parse_qs(scope.get("query_string", b"").decode("latin1")).get("token")
    return tokens[0] if tokens else None


def _user_for_token(raw):
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError

    auth = JWTAuthentication()
    try:
        return auth.get_user(auth.get_validated_token(raw))
    except (InvalidToken, TokenError, AuthenticationFailed):
        return AnonymousUser()


# In any thread, not the process's one thread for sync work: sockets connecting at once wait on
# PostgreSQL side by side (see consumers.in_any_thread).
user_for_token = database_sync_to_async(_user_for_token, thread_sensitive=False)


def allowed_origins():
    return [*settings.ALLOWED_HOSTS, *settings.CSRF_TRUSTED_ORIGINS]


class TokenOrSessionAuth:
    def __init__(self, inner):
        self.with_token = inner
        self.with_session = OriginValidator(AuthMiddlewareStack(inner), allowed_origins())

    async def __call__(self, scope, receive, send):
        raw = presented_token(scope)
        if raw is None:
            return await self.with_session(scope, receive, send)
        return await self.with_token({**scope, "user": await user_for_token(raw), "auth": "jwt"}, receive, send)
