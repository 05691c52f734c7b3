"""Traffic metering: request + response bytes of authenticated requests, and API request counts.

Counts go to cache counters (services.record_for, queued for the process's sender thread so that
the request never waits on the cache), never to the database: the minute flush moves them into
UsageRecord. Streaming responses (file downloads included) are counted as their chunks
are really sent, and recorded when the stream ends or is closed.

The organization is found without a query: the one the request already resolved, else the one
chosen in the browser session, else the user's default organization (an X-Organization header is
not trusted here: checking the membership would cost a query, and a stranger must not be able to
charge traffic to someone else's organization).
A request whose view never looked at the user is not metered (finding out would cost a query).
"""

import logging

from django.utils.functional import empty

from accounts.selectors import SESSION_KEY
from usage.models import Metric
from usage.services import record_for

logger = logging.getLogger("webox.usage")

# "HTTP/1.1" plus the spaces and CRLF of the request line, and ": " + CRLF per header.
_REQUEST_LINE_EXTRA = len(" HTTP/1.1\r\n") + 1
_HEADER_EXTRA = 4


def request_bytes(request):
    """Bytes of the request as received: request line, headers, blank line and body."""
    meta = request.META
    size = len(request.method) + len(meta.get("RAW_URI") or request.get_full_path()) + _REQUEST_LINE_EXTRA
    for key, value in meta.items():
        if key.startswith("HTTP_") and value:  # an empty header is not sent (test clients add Cookie: "")
            size += len(key) - 5 + len(str(value)) + _HEADER_EXTRA
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if meta.get(key):
            size += len(name) + len(str(meta[key])) + _HEADER_EXTRA
    try:
        body = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        body = 0
    return size + 2 + body


def response_head_bytes(response):
    """Status line, headers (cookies included) and the blank line."""
    status = f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n"
    head = response.serialize_headers()
    cookies = sum(len(f"Set-Cookie: {c.output(header='').strip()}\r\n") for c in response.cookies.values())
    return len(status) + len(head) + (2 if head else 0) + cookies + 2


def _loaded(lazy):
    """The object behind a lazy request attribute if already loaded, else None (no query)."""
    wrapped = getattr(lazy, "_wrapped", lazy)
    return None if wrapped is empty else wrapped


def organization_id(request):
    org = _loaded(getattr(request, "organization", None))
    if org is not None:
        return org.pk
    session = getattr(request, "session", None)
    if session is not None and getattr(session, "_session_cache", None) is not None and session.get(SESSION_KEY):
        return int(session[SESSION_KEY])
    return request.user.default_organization_id


class CountingIterator:
    """Passes a streaming response's chunks through, counting the bytes really handed to the server."""

    def __init__(self, content):
        self._content = content
        self.sent = 0

    def __iter__(self):
        for chunk in self._content:
            self.sent += len(chunk)
            yield chunk


class CountingAsyncIterator(CountingIterator):
    async def __aiter__(self):
        async for chunk in self._content:
            self.sent += len(chunk)
            yield chunk


class UsageMiddleware:
    """Meters once the server closes the response: by then every outer middleware has added its
    headers and a stream has sent what it will send (a client that hangs up midway is counted
    for what it received)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        counter = None
        if response.streaming:
            counter = (CountingAsyncIterator if response.is_async else CountingIterator)(response.streaming_content)
            response.streaming_content = counter
        server_close = response.close
        metered = False

        def close():
            nonlocal metered
            try:
                server_close()
            finally:
                if not metered:  # servers may close twice
                    metered = True
                    _meter(request, response, counter)

        response.close = close
        return response


def _meter(request, response, counter):
    user = _loaded(getattr(request, "user", None))
    if user is None or not user.is_authenticated:
        return
    org_id = organization_id(request)
    if org_id is None:
        return
    body = counter.sent if counter is not None else len(response.content)
    amounts = {Metric.TRAFFIC_BYTES: request_bytes(request) + response_head_bytes(response) + body}
    if request.path.startswith("/api/"):
        amounts[Metric.API_REQUESTS] = 1
    try:
        record_for(org_id, amounts, wait=False)
    except Exception:  # metering must never break a response (e.g. the cache is down)
        logger.exception("usage_record_failed org=%s", org_id)
