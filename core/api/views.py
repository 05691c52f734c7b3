from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from core.errors import NotFound

# core sits below accounts: accounts plugs in how a request names its organization (AccountsConfig.ready).
_resolvers = []


def register_organization_resolver(resolver):
    """resolver(request, user) -> Organization | None; the last registered one answers."""
    _resolvers.append(resolver)


class OrganizationScopedMixin:
    """API views over customer-owned rows.

    `self.organization` is the request's organization (X-Organization header, else the user's
    default) and `get_queryset()` starts from it, so another organization's id answers 404.
    """

    organization_field = "organization"

    @cached_property
    def organization(self):
        org = _resolvers[-1](self.request, self.request.user)
        if org is None:
            raise NotFound(_("You do not belong to any organization."), code="organization_not_found")
        return org

    def get_queryset(self):
        return super().get_queryset().filter(**{self.organization_field: self.organization})
