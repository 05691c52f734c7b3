"""The API error envelope: {"error": {"code", "message", "fields"}} for every error response."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError, ValidationFailed

logger = logging.getLogger("webox.api")

_DRF_CODES = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def envelope(code, message, fields=None):
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        logger.info("domain_error code=%s status=%s", exc.code, exc.status)
        return Response(envelope(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        message = _first_message(fields) or str(ValidationFailed.default_message)
        response.data = envelope(code, message, fields)
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        specific = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        if isinstance(specific, str) and specific not in ("error", "invalid"):
            code = specific  # e.g. "no_active_account" rather than the generic "authentication_failed"
        # simplejwt puts a dict in detail ({"detail": ..., "code": ..., "messages": [...]}).
        if isinstance(detail, dict):
            code = str(detail.get("code", code))
            detail = detail.get("detail", "")
        response.data = envelope(code, str(detail))
    return response


def _first_message(fields):
    """The first error text, prefixed by its field, so clients can show one sentence."""
    for name, errors in fields.items():
        if isinstance(errors, dict):
            nested = _first_message(errors)
            if nested:
                return nested
        elif isinstance(errors, list) and errors:
            first = errors[0]
            if isinstance(first, dict):
                nested = _first_message(first)
                if nested:
                    return nested
                continue
            return str(first) if name == "non_field_errors" else f"{name}: {first}"
        elif errors:
            return str(errors)
    return ""
