"""Who acts as staff: one rule for the admin, the back office, the agent desk, staff downloads and
the staff API. Staff act only with a second factor: a session that passed the TOTP step
(django-otp), or a JWT obtained with a code (its `otp` claim, accounts.authentication).

On a developer's machine (DEBUG) the demo staff of `make run` are exempt
(`ADMIN_2FA_EXEMPT_EMAILS`, set by the local profile only; it covers every staff surface).
"""

from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied as PageDenied
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from core import audit

TWO_FACTOR_REQUIRED = _(
    "Staff act only with two-factor authentication: turn it on from your profile, then log in again with a code."
)


# Each staff capability and the Django permission that grants it, one list for the API, the pages
# and the admin. The role groups hold these (accounts' and support's migrations): Finance the money
# ones, Support agents the queue and its messages, Support leads the whole of support, Catalog
# managers the shop and coupons; users, roles and broadcasts stay with superusers.
REFUND = "billing.change_payment"  # refund a payment, an order or the customer balance
CREDIT_NOTE = "billing.add_creditnote"  # credit part or all of an invoice
VIEW_INVOICES = "billing.view_invoice"  # read invoices and their PDFs
CHANGE_INVOICES = "billing.change_invoice"  # finalize, void, mark uncollectible, dunning steps
VIEW_SUBSCRIPTIONS = "billing.view_subscription"
CHANGE_SUBSCRIPTIONS = "billing.change_subscription"  # cancel, suspend, reactivate, extend a trial
SUPPORT_QUEUE = "support.view_ticket"  # the agent desk: every organization's tickets
HANDLE_TICKETS = "support.change_ticket"  # assign, priority, resolve, close
WRITE_MESSAGES = "support.add_ticketmessage"  # replies and internal notes
STAFF_ATTACHMENTS = "support.view_ticketattachment"  # any ticket's files, internal notes' included
BROADCAST = "notifications.add_notification"  # a notice to every user or an organization
USERS = "accounts.change_user"  # staff flags, second factor resets
ROLES = "auth.change_group"  # which permissions each role holds


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


def require(request, permission, *, target=None):
    """Pages and the admin: let staff holding `permission` (second factor passed) go on; anyone
    else gets a 403 page, and a staff member's refusal is audited as on the API."""
    user = request.user
    if acts_as_staff(user, permission):
        return
    if is_staff_member(user):
        reason = "permission_denied" if passed_second_factor(user) else "two_factor_required"
        _audit_refusal(request, permission, reason, target=target)
    raise PageDenied


def refuse_hidden_action(request, model_admin):
    """The admin's changelists: an action posted that the role is not offered (its permission
    missing, or no such action) is refused with the 403 page and audited, where Django would only
    say "No action selected." (or ignore it when the role has no action at all there)."""
    name = request.POST.get("action", "") if request.method == "POST" else ""
    if not name or name in model_admin.get_actions(request):
        return
    offered = {action_name: function for function, action_name, _description in model_admin._get_base_actions()}
    needs = getattr(offered.get(name), "allowed_permissions", ())
    _audit_refusal(
        request,
        "",
        "action_not_allowed" if name in offered else "unknown_action",
        model=model_admin.opts.label,
        action=name[:100],
        action_permissions=list(needs),
        selected=request.POST.getlist(ACTION_CHECKBOX_NAME)[:100],
    )
    raise PageDenied


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


def _audit_refusal(request, permission, reason, target=None, **details):
    audit.record(
        actor=request.user,
        action="staff_action_refused",
        target=target,
        after={
            "method": request.method, "path": request.path[:200], "permission": permission or "", "reason": reason,
            **details,
        },
    )
