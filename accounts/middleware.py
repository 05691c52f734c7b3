from django.utils.functional import SimpleLazyObject

from accounts.selectors import resolve_organization
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
