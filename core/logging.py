"""Structured logging: one `key=value` line per event with request id, user and organization."""

import contextvars
import logging
import re

from django.utils.functional import empty

from core.outages import unavailable

request_context = contextvars.ContextVar("request_context", default=None)


def _resolved_pk(lazy):
    """The pk behind a lazy request attribute, only if already loaded: logging must not query."""
    wrapped = getattr(lazy, "_wrapped", lazy)
    if wrapped is empty or wrapped is None:
        return "-"
    return getattr(wrapped, "pk", None) or "-"


class ContextFilter(logging.Filter):
    def filter(self, record):
        ctx = request_context.get() or {}
        request = ctx.get("request")
        record.request_id = ctx.get("request_id", "-")
        record.user_id = _resolved_pk(getattr(request, "user", None))
        record.org_id = _resolved_pk(getattr(request, "organization", None))
        return True


_SECRET_PARAMETERS = re.compile(r"([?&](?:token|access|refresh)=)[^&\s\"']+")


class RedactSecretsFilter(logging.Filter):
    """Tokens never reach a log line. Mobile apps that cannot set headers open the notification
    socket with `?token=<access>`, and uvicorn's access and WebSocket lines print the full path."""

    def filter(self, record):
        message = record.getMessage()
        redacted = _SECRET_PARAMETERS.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class OutageFilter(logging.Filter):
    """A request that met a service outage is answered 503 (core.errors_views.server_error), yet
    Django logs it as a server error with its traceback: an outage of a minute filled the log with
    hundreds of them, and hid real errors. Each is one warning line instead, naming the error;
    the outage itself is what /healthz and the heartbeats report."""

    def filter(self, record):
        error = record.exc_info[1] if record.exc_info else None
        if unavailable(error):
            record.msg, record.args = f"{record.getMessage()} error={error.__class__.__name__}: {error}", ()
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        return True


class KeyValueFormatter(logging.Formatter):
    def format(self, record):
        line = (
            f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} level={record.levelname} logger={record.name} "
            f"request_id={getattr(record, 'request_id', '-')} user={getattr(record, 'user_id', '-')} "
            f"org={getattr(record, 'org_id', '-')} event={record.getMessage()}"
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line
