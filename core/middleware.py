import uuid

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
