"""The admin actions' common step: run a billing service on each selected row and audit it."""

from django.contrib import messages

from core import audit
from core.errors import DomainError

SUBSCRIPTION_AUDIT = ["status", "cancel_at_period_end", "trial_end", "current_period_end", "canceled_at", "suspended_at"]
INVOICE_AUDIT = ["status", "amount_credited", "voided_at", "uncollectible_at"]


def run_action(modeladmin, request, queryset, label, service, audit_action=None, audit_fields=()):
    """Apply a service to each selected row; a refused transition is reported, never a 500.
    Actions that change money or access are written to the audit log with what changed."""
    done = 0
    for obj in queryset:
        before = audit.snapshot(obj, audit_fields)
        try:
            service(obj)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
            continue
        if audit_action:
            obj.refresh_from_db()
            changed_before, changed_after = audit.changed(before, audit.snapshot(obj, audit_fields))
            audit.record(actor=request.user, action=audit_action, target=obj, before=changed_before, after=changed_after)
    if done:
        modeladmin.message_user(request, f"{label}: {done} done.", messages.SUCCESS)
