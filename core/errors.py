"""Domain errors: a stable `code`, a human message, optional per-field details and an HTTP status.

Services raise them; the API turns them into the error envelope of DESIGN.md and HTML views show
their message. Apps subclass them (or pass `code=`) for their own cases.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "invalid"
    status = 400
    default_message = _("The request could not be processed.")

    def __init__(self, message=None, *, code=None, fields=None, status=None):
        self.message = str(message or self.default_message)
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}
        super().__init__(self.message)

    def as_dict(self):
        return {"code": self.code, "message": self.message, "fields": self.fields}


class ValidationFailed(DomainError):
    code = "validation_error"
    status = 400
    default_message = _("Some fields are invalid.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class Forbidden(DomainError):
    code = "permission_denied"
    status = 403
    default_message = _("You are not allowed to do this.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("This conflicts with the current state.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("This change of state is not allowed.")


class Unprocessable(DomainError):
    code = "unprocessable"
    status = 422
    default_message = _("The request is valid but cannot be carried out.")


class QuotaExceeded(Unprocessable):
    code = "quota_exceeded"
    default_message = _("This would exceed your plan's limit.")


class AccountSuspended(DomainError):
    code = "account_suspended"
    status = 403
    default_message = _("Your account is suspended until the overdue invoices are paid.")
