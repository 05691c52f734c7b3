import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from accounts.selectors import preferred_language, resolve_organization, time_zone_for, two_factor_missing
from core.errors import NotFound


class OrganizationMiddleware:
    """Sets `request.organization` (lazily) for browser requests authenticated by session.

    API views resolve it again after DRF authentication (JWT users are anonymous here).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = SimpleLazyObject(lambda: _safe_resolve(request))
        return self.get_response(request)


def _safe_resolve(request):
    try:
        return resolve_organization(request, request.user)
    except NotFound:
        return None


class OrganizationTwoFactorMiddleware:
    """An organization that requires two-factor authentication sends a member without a confirmed
    device to enrol before any other page of it (then back). Left open: enrolment itself, logging
    out, switching to another organization, the language, the JS catalogue, health checks; the
    API answers 403 itself (accounts.selectors.resolve_organization_for_api), the admin has its
    own staff gate."""

    OPEN = {
        "accounts:two_factor", "accounts:two_factor_setup", "accounts:recovery_codes", "accounts:logout",
        "accounts:switch_organization", "accounts:set_language", "javascript-catalog", "healthz", "readyz",
    }  # fmt: skip

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name in self.OPEN or match.namespace == "admin" or request.path.startswith("/api/"):
            return None
        user = request.user
        if not (user.is_authenticated and two_factor_missing(user, request.organization)):
            return None
        messages.info(
            request,
            _("%(organization)s asks every member to use two-factor authentication: set it up to go on.")
            % {"organization": request.organization.name},
        )
        return redirect(f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': request.get_full_path()})}")


class PreferencesMiddleware:
    """Speaks to a signed-in user in their language and time zone.

    Django's LocaleMiddleware, earlier in the chain, chose the language from the switcher's cookie
    and Accept-Language; a signed-in user's own setting, else their organization's, wins over
    both. API requests authenticated by a JWT get the user's own setting once DRF knows the user
    (accounts.authentication). Visitors see times in the platform's time zone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            apply_preferences(request, user, request.organization if request.organization else None)
        else:
            timezone.activate(zoneinfo.ZoneInfo(settings.PLATFORM_TIME_ZONE))
        return self.get_response(request)


def apply_preferences(request, user, organization=None):
    language = preferred_language(user, organization)
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
    timezone.activate(time_zone_for(user, organization))
