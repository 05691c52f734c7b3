from django.utils.functional import cached_property

from accounts.selectors import resolve_organization
from core.errors import NotFound


class OrganizationScopedMixin:
    """API views over customer-owned rows.

    `self.organization` is the request's organization (X-Organization header, else the user's
    default) and `get_queryset()` starts from it, so another organization's id answers 404.
    """

    organization_field = "organization"

    @cached_property
    def organization(self):
        org = resolve_organization(self.request, self.request.user)
        if org is None:
            raise NotFound("You do not belong to any organization.", code="organization_not_found")
        return org

    def get_queryset(self):
        return super().get_queryset().filter(**{self.organization_field: self.organization})
