"""What billing's admin actions audit, and their common step (core.admin_mixins.run_service_action)."""

from core.admin_mixins import run_service_action

SUBSCRIPTION_AUDIT = ["status", "cancel_at_period_end", "trial_end", "current_period_end", "canceled_at", "suspended_at"]
INVOICE_AUDIT = ["status", "amount_credited", "voided_at", "uncollectible_at"]


def run_action(modeladmin, request, queryset, done_message, service, audit_action=None, audit_fields=()):
    """Apply a service to each selected row; actions that change money or access are audited.
    `done_message` is a plural message counted by `count` (ngettext_lazy(..., "count"))."""
    run_service_action(
        modeladmin,
        request,
        queryset,
        service,
        done_message=done_message,
        audit_action=audit_action,
        audit_fields=audit_fields,
    )
