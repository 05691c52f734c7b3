"""Reads about users and organizations, and the one place that decides a request's organization."""

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import LoginSession, Membership, Organization
from core.errors import Forbidden, NotFound

SESSION_KEY = "organization_id"
HEADER = "HTTP_X_ORGANIZATION"


def organizations_for(user):
    return Organization.objects.filter(memberships__user=user, is_active=True).order_by("name")


def membership(user, organization):
    return Membership.objects.filter(user=user, organization=organization).first()


def _request_memberships(request, user):
    """The user's memberships of active organizations, each with its organization, loaded once per
    request (the switcher lists the organizations, `resolve_organization` picks among them and a
    page that shows the member's role reads it here: one query for all three)."""
    http_request = getattr(request, "_request", request)  # DRF's Request wraps Django's
    memo = getattr(http_request, "_webox_organizations", None)
    if memo is None or memo[0] != user.pk:
        memberships = Membership.objects.filter(user=user, organization__is_active=True).select_related("organization")
        memo = (user.pk, list(memberships.order_by("organization__name", "organization_id")))
        http_request._webox_organizations = memo
    return memo[1]


def request_organizations(request, user):
    """The user's active organizations, by name (read once per request, see _request_memberships)."""
    return [member.organization for member in _request_memberships(request, user)]


def request_membership(request):
    """The request user's membership of the request's organization (None without one), from the
    request's single read of memberships."""
    organization = request.organization
    if not organization:
        return None
    return next((m for m in _request_memberships(request, request.user) if m.organization_id == organization.pk), None)


def resolve_organization(request, user):
    """The organization this request acts for.

    API clients name it with an `X-Organization` header (slug or id); browsers keep it in the
    session; otherwise the user's default, else their first. A named organization the user does
    not belong to is a 404, like any other organization's object.
    """
    if not user or not user.is_authenticated:
        return None
    orgs = request_organizations(request, user)
    wanted = request.META.get(HEADER)
    if wanted:
        org = next((org for org in orgs if (str(org.pk) if wanted.isdigit() else org.slug) == wanted), None)
        if org is None:
            raise NotFound(_("No such organization."), code="organization_not_found")
        return org
    session = getattr(request, "session", None)
    session_org = session.get(SESSION_KEY) if session is not None else None
    for candidate in (session_org, user.default_organization_id):
        org = next((org for org in orgs if candidate and str(org.pk) == str(candidate)), None)
        if org:
            return org
    return orgs[0] if orgs else None


def has_two_factor(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_missing(user, organization):
    """The organization asks its members for a second factor and `user` has no confirmed device."""
    return bool(organization and organization.require_two_factor and not has_two_factor(user))


def resolve_organization_for_api(request, user):
    """resolve_organization for the API: an organization that requires two-factor authentication
    is closed to a member without a confirmed device (403 `two_factor_enrolment_required`)."""
    organization = resolve_organization(request, user)
    if two_factor_missing(user, organization):
        raise Forbidden(
            _(
                "%(organization)s requires two-factor authentication: turn it on from your profile on the website, "
                "then log in again."
            )
            % {"organization": organization.name},
            code="two_factor_enrolment_required",
        )
    return organization


def preferred_language(user, organization=None):
    """The language to speak to `user` in: their own setting, else the organization's (the given
    one, else their default organization's), else None (the caller falls back to the browser's)."""
    if user is not None and getattr(user, "locale", ""):
        return user.locale
    if organization is None and user is not None and getattr(user, "default_organization_id", None):
        organization = user.default_organization
    return organization.locale if organization is not None and organization.locale else None


def language_for(user, organization=None):
    """`preferred_language()` or the platform's default: for emails, PDFs and notifications."""
    return preferred_language(user, organization) or settings.LANGUAGE_CODE


def time_zone_for(user, organization=None):
    """The user's time zone, else the organization's, else the platform's."""
    name = getattr(user, "time_zone", "") if user is not None else ""
    if not name:
        if organization is None and user is not None and getattr(user, "default_organization_id", None):
            organization = user.default_organization
        name = organization.time_zone if organization is not None else settings.PLATFORM_TIME_ZONE
    return zoneinfo.ZoneInfo(name)


def login_sessions(user):
    """The user's browser sessions that may still be open (newest first)."""
    started_after = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return LoginSession.objects.filter(user=user, created_at__gt=started_after).order_by("-created_at", "-pk")


def live_tokens(user):
    """The user's refresh tokens (apps) that still work: not expired, not revoked (newest first)."""
    return OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True).order_by(
        "-created_at", "-pk"
    )
