"""What the admins share: rows staff only read, and actions that run a service on each selected row
and write the audit log."""

from django.contrib import messages
from django.utils.translation import gettext as _

from core import audit
from core.errors import DomainError


class NoAddOrDeleteMixin:
    """Admin for rows that services write and the law or the ledger keeps (invoice lines,
    payments, webhook events, number counters): staff read them and act through services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdminMixin(NoAddOrDeleteMixin):
    """Admin for records staff only read (logs, usages, task runs): no add, change or delete."""

    def has_change_permission(self, request, obj=None):
        return False


def run_service_action(
    modeladmin, request, rows, service, *, done_message, audit_action=None, audit_fields=(), describe=str,
    refused_level=messages.ERROR,
):
    """Run `service(row)` on each selected row. A refused row (a DomainError) is reported by name
    and the others go on, never a 500. With `audit_action`, each row done is written to the audit
    log with those of `audit_fields` that changed. `done_message(count)` reports the rows done."""
    done = 0
    for row in rows:
        before = audit.snapshot(row, audit_fields)
        try:
            service(row)
        except DomainError as exc:
            refusal = _("%(row)s: %(error)s") % {"row": describe(row), "error": exc.message}
            modeladmin.message_user(request, refusal, refused_level)
            continue
        done += 1
        if audit_action:
            row.refresh_from_db()
            changed_before, changed_after = audit.changed(before, audit.snapshot(row, audit_fields))
            audit.record(actor=request.user, action=audit_action, target=row, before=changed_before, after=changed_after)
    if done:
        modeladmin.message_user(request, done_message(done), messages.SUCCESS)
    return done
