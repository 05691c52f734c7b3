import zoneinfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject

from accounts.selectors import preferred_language, resolve_organization, time_zone_for
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
