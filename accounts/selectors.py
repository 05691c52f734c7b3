"""Reads about users and organizations, and the one place that decides a request's organization."""

from accounts.models import Membership, Organization
from core.errors import NotFound

SESSION_KEY = "organization_id"
HEADER = "HTTP_X_ORGANIZATION"


def organizations_for(user):
    return Organization.objects.filter(memberships__user=user, is_active=True).order_by("name")


def membership(user, organization):
    return Membership.objects.filter(user=user, organization=organization).first()


def request_organizations(request, user):
    """The user's active organizations, loaded once per request (the switcher lists them and
    `resolve_organization` picks among them, so a page pays one query for both)."""
    http_request = getattr(request, "_request", request)  # DRF's Request wraps Django's
    memo = getattr(http_request, "_webox_organizations", None)
    if memo is None or memo[0] != user.pk:
        memo = (user.pk, list(organizations_for(user)))
        http_request._webox_organizations = memo
    return memo[1]


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
            raise NotFound("No such organization.", code="organization_not_found")
        return org
    session = getattr(request, "session", None)
    session_org = session.get(SESSION_KEY) if session is not None else None
    for candidate in (session_org, user.default_organization_id):
        org = next((org for org in orgs if candidate and str(org.pk) == str(candidate)), None)
        if org:
            return org
    return orgs[0] if orgs else None
