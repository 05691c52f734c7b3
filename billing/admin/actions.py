"""What billing's admin actions audit, and their common step (core.admin_mixins.run_service_action)."""

from django.utils.translation import gettext as _

from core.admin_mixins import run_service_action

SUBSCRIPTION_AUDIT = ["status", "cancel_at_period_end", "trial_end", "current_period_end", "canceled_at", "suspended_at"]
INVOICE_AUDIT = ["status", "amount_credited", "voided_at", "uncollectible_at"]


def run_action(modeladmin, request, queryset, label, service, audit_action=None, audit_fields=()):
    """Apply a service to each selected row; actions that change money or access are audited."""
    run_service_action(
        modeladmin,
        request,
        queryset,
        service,
        done_message=lambda done: _("%(action)s: %(count)d done.") % {"action": label, "count": done},
        audit_action=audit_action,
        audit_fields=audit_fields,
    )
