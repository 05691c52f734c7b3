"""Reads about users and organizations, and the one place that decides a request's organization."""

from accounts.models import Membership, Organization
from core.errors import NotFound

SESSION_KEY = "organization_id"
HEADER = "HTTP_X_ORGANIZATION"


def organizations_for(user):
    return Organization.objects.filter(memberships__user=user, is_active=True).order_by("name")


def membership(user, organization):
    return Membership.objects.filter(user=user, organization=organization).first()


def resolve_organization(request, user):
    """The organization this request acts for.

    API clients name it with an `X-Organization` header (slug or id); browsers keep it in the
    session; otherwise the user's default, else their first. A named organization the user does
    not belong to is a 404, like any other organization's object.
    """
    if not user or not user.is_authenticated:
        return None
    orgs = organizations_for(user)
    wanted = request.META.get(HEADER)
    if wanted:
        lookup = {"pk": int(wanted)} if wanted.isdigit() else {"slug": wanted}
        org = orgs.filter(**lookup).first()
        if org is None:
            raise NotFound("No such organization.", code="organization_not_found")
        return org
    session = getattr(request, "session", None)
    session_org = session.get(SESSION_KEY) if session is not None else None
    for candidate in (session_org, user.default_organization_id):
        if candidate:
            org = orgs.filter(pk=candidate).first()
            if org:
                return org
    return orgs.first()
