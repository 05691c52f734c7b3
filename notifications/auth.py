"""WebSocket authentication: the browser's session cookie, or a JWT access token for mobile apps
(`/ws/notifications/?token=<access>`)."""

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser


@database_sync_to_async
def _user_from_token(raw):
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError

    auth = JWTAuthentication()
    try:
        return auth.get_user(auth.get_validated_token(raw))
    except (InvalidToken, TokenError, AuthenticationFailed):
        return AnonymousUser()


class JWTQueryAuthMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        token = parse_qs(scope.get("query_string", b"").decode()).get("token")
        if token:
            scope = {**scope, "user": await _user_from_token(token[0])}
        return await self.inner(scope, receive, send)


def SessionOrJWTAuthMiddleware(inner):  # noqa: N802 (mirrors Channels' AuthMiddlewareStack)
    return AuthMiddlewareStack(JWTQueryAuthMiddleware(inner))
