"""What an organization may use, decided apart from billing state.

Billing (dunning, trials) registers a check that returns a reason when the organization is
suspended; generation, add-ons and API writes call `require_entitled()`. The registry keeps
accounts free of any import from billing.
"""

from django.utils.translation import gettext as _

from core.errors import AccountSuspended

_checks = []


def register(check):
    """`check(organization) -> str | None`: a reason to block, or None."""
    _checks.append(check)
    return check


def suspension_reason(organization):
    if organization is not None and not organization.is_active:
        return _("This organization is deactivated.")
    for check in _checks:
        reason = check(organization)
        if reason:
            return reason
    return None


def require_entitled(organization):
    reason = suspension_reason(organization)
    if reason:
        raise AccountSuspended(reason)
