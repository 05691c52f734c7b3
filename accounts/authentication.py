"""API authentication that also applies the user's own language.

Browser requests get it from accounts.middleware.PreferencesMiddleware; a JWT only tells who is
calling once DRF authenticates the request. API messages follow the user's own setting, else the
Accept-Language the app sends (the device's language; LocaleMiddleware applied it already). The
organization's language is not looked up here: it would cost a query on every call, and the API
returns dates as ISO 8601, so no time zone is needed either.
"""

import functools

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication as BaseJWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from accounts.services import OTP_CLAIM, issued_before_credentials_changed


class JWTAuthentication(BaseJWTAuthentication):
    def get_user(self, validated_token):
        """An access token issued before the password, the second factor or the account's
        activity changed is refused like an expired one."""
        user = super().get_user(validated_token)
        if issued_before_credentials_changed(user, validated_token):
            raise InvalidToken(_("This token was issued before the account's credentials changed: log in again."))
        # As django-otp's middleware does for sessions: a token obtained with a code is verified.
        user.is_verified = functools.partial(bool, validated_token.get(OTP_CLAIM, False))
        return user

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and result[0].locale:
            translation.activate(result[0].locale)
            request._request.LANGUAGE_CODE = translation.get_language()
        return result


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme: the same bearer JWT as simplejwt's."""

    target_class = JWTAuthentication
