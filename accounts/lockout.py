from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from core.api.errors import envelope


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    """django-axes lock-out: the JSON envelope (429 + Retry-After) for the API, a page otherwise."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    minutes = seconds // 60
    message = ngettext(
        "Too many failed attempts. For your security, logging in is locked for %(minutes)d minute.",
        "Too many failed attempts. For your security, logging in is locked for %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        reply = JsonResponse(envelope("account_locked", message), status=429)
    else:
        reply = render(request, "accounts/locked.html", {"message": message}, status=429)
    reply["Retry-After"] = str(seconds)
    return reply
