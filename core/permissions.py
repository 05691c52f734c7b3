"""Who acts as staff: one rule for the admin, the back office, the agent desk, staff downloads and
the staff API. Staff act only with a second factor: a session that passed the TOTP step
(django-otp), or a JWT obtained with a code (its `otp` claim, accounts.authentication).

On a developer's machine (DEBUG) the demo staff of `make run` are exempt
(`ADMIN_2FA_EXEMPT_EMAILS`, set by the local profile only; it covers every staff surface).
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

TWO_FACTOR_REQUIRED = _(
    "Staff act only with two-factor authentication: turn it on from your profile, then log in again with a code."
)


def passed_second_factor(user):
    verified = getattr(user, "is_verified", None)
    exempt = settings.DEBUG and getattr(user, "email", None) in settings.ADMIN_2FA_EXEMPT_EMAILS
    return bool(verified and verified()) or exempt


def is_staff_member(user):
    """Active staff, whatever the second factor (the gate then asks for it)."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def acts_as_staff(user, permission=None):
    """Active staff who passed the second factor, holding `permission` when one is named."""
    if not (is_staff_member(user) and passed_second_factor(user)):
        return False
    return permission is None or user.has_perm(permission)


def required_permission(view, method):
    """The Django permission a staff API view asks for `method`: `staff_permissions` maps HTTP
    methods to permissions (the role groups hold them, as in the admin); `staff_permission` is one
    for every method."""
    return getattr(view, "staff_permissions", {}).get(method) or getattr(view, "staff_permission", None)


class StaffWith2FA(BasePermission):
    """DRF: active staff with a second factor and the permission the view names for the method;
    staff without the second factor get `two_factor_required`, without the permission
    `permission_denied`; each refusal of a staff member is audited (money and access actions)."""

    message = _("You do not have the permission for this action.")

    def has_permission(self, request, view):
        user = request.user
        if not is_staff_member(user):
            return False
        permission = required_permission(view, request.method)
        if not passed_second_factor(user):
            _audit_refusal(request, permission, "two_factor_required")
            raise PermissionDenied(TWO_FACTOR_REQUIRED, code="two_factor_required")
        if permission is not None and not user.has_perm(permission):
            _audit_refusal(request, permission, "permission_denied")
            return False
        return True


def _audit_refusal(request, permission, reason):
    from core import audit

    audit.record(
        actor=request.user,
        action="staff_action_refused",
        target=None,
        after={"method": request.method, "path": request.path[:200], "permission": permission or "", "reason": reason},
    )
