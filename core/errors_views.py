"""HTML error pages; API paths get the JSON error envelope instead."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.api.errors import envelope


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
    return _respond(request, 500, "server_error", _("Something went wrong on our side. We have been told."), "500.html")
