import uuid
from urllib.parse import unquote

from django.core.exceptions import BadRequest

from core.logging import request_context


class RequestIdMiddleware:
    """Gives each request an id (or keeps the proxy's X-Request-ID) for the structured logs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.META.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex[:16]
        request.request_id = request_id
        token = request_context.set({"request_id": request_id, "request": request})
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RejectNullCharactersMiddleware:
    """A NUL character in the path or the query string is refused with a 400 before any view sees
    it: PostgreSQL refuses NUL in text, so a search or a lookup would otherwise end in a 500.
    (Form and API fields refuse NUL themselves: Django's and DRF's CharField validators.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            raise BadRequest("NUL character in the path or query string")
        return self.get_response(request)
