"""HTML error pages; API paths get the JSON error envelope instead."""

import sys

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core.api.errors import envelope
from core.outages import unavailable


def _respond(request, status, code, message, template):
    if request.path.startswith("/api/"):
        return JsonResponse(envelope(code, message), status=status)
    return render(request, template, {"message": message}, status=status)


def bad_request(request, exception=None):
    return _respond(request, 400, "bad_request", _("This request cannot be understood: check what was sent."), "400.html")


def permission_denied(request, exception=None):
    return _respond(request, 403, "permission_denied", _("You are not allowed to see this page."), "403.html")


def page_not_found(request, exception=None):
    return _respond(request, 404, "not_found", _("This page does not exist, or is not yours to see."), "404.html")


def server_error(request):
    if unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    return _respond(request, 500, "server_error", _("Something went wrong on our side. We have been told."), "500.html")


def service_unavailable(request):
    """A request that needed a service that is down: a clean 503 to try again (what it did
    before failing was inside its transaction or after the commit, never half-way). The page is
    rendered without the request's context processors: they may need the service too."""
    message = _("WeBox is briefly unavailable: please try again in a minute.")
    if request.path.startswith("/api/"):
        response = JsonResponse(envelope("service_unavailable", message), status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = "60"
    return response
