"""What the admins share: rows staff only read, amounts shown as money, actions that run a service
on each selected row and write the audit log, and permissions listed in the staff's language."""

from django import forms
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import audit
from core.errors import DomainError
from core.money import format_money


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


class AmountsAsMoneyMixin:
    """Amounts are stored as integers in minor units (1900 for 19.00 EUR); staff read them as money
    in the row's currency ("19,00 €") on the change page and in the list. `amount_fields` names
    them, `currency_path` is where the row's currency is ("invoice.currency" for a line), and
    `euro_fields` are amounts always in euro cents."""

    amount_fields = ()
    euro_fields = ()
    currency_path = "currency"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._amounts = {name: f"{name}_as_money" for name in (*self.amount_fields, *self.euro_fields)}
        for name, shown in self._amounts.items():
            setattr(self, shown, self._as_money(name))

    def _as_money(self, name):
        def display(obj):
            value = getattr(obj, name)
            if value is None:
                return self.get_empty_value_display()
            currency = "EUR" if name in self.euro_fields else obj
            if currency is obj:
                for part in self.currency_path.split("."):
                    currency = getattr(currency, part)
            return format_money(value, currency)

        display.short_description = self.model._meta.get_field(name).verbose_name
        return display

    def _shown(self, names):
        return [self._amounts.get(name, name) if isinstance(name, str) else name for name in names]

    def get_readonly_fields(self, request, obj=None):
        return self._shown(super().get_readonly_fields(request, obj))

    def get_fields(self, request, obj=None):
        return self._shown(super().get_fields(request, obj))

    def get_list_display(self, request):
        return self._shown(super().get_list_display(request))


def run_service_action(
    modeladmin,
    request,
    rows,
    service,
    *,
    done_message,
    done_values=None,
    audit_action=None,
    audit_fields=(),
    describe=str,
    refused_level=messages.ERROR,
):
    """Run `service(row)` on each selected row. A refused row (a DomainError) is reported by name
    and the others go on, never a 500. With `audit_action`, each row done is written to the audit
    log with those of `audit_fields` that changed. `done_message` reports the rows done: a plural
    message counted by its `count` placeholder, `ngettext_lazy("%(count)d order canceled.",
    "%(count)d orders canceled.", "count")`, so the staff's language picks its own form for the
    number; `done_values` fills its other placeholders."""
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
        modeladmin.message_user(request, done_message % {**(done_values or {}), "count": done}, messages.SUCCESS)
    return done


# Django stores a permission's name once, in English, when it migrates ("Can add invoice"): the
# admin's permission pickers would show French staff English. The four actions Django gives every
# model are worded here from the model's translated name; other permissions name their msgid.
BUILTIN_PERMISSIONS = {
    "add": gettext_lazy("Can add %(model)s"),
    "change": gettext_lazy("Can change %(model)s"),
    "delete": gettext_lazy("Can delete %(model)s"),
    "view": gettext_lazy("Can view %(model)s"),
}


def permission_label(permission):
    """A permission as the admin lists it ("app | model | what it allows"), in the reader's language."""
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is not None and action in BUILTIN_PERMISSIONS and model_name == model._meta.model_name:
        name = BUILTIN_PERMISSIONS[action] % {"model": model._meta.verbose_name}
    else:
        name = _(permission.name)
    return f"{permission.content_type} | {name}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return permission_label(obj)


class TranslatedPermissionsMixin:
    """Admin whose many-to-many fields to permissions (a group's, a user's) read in the staff's language."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is Permission:
            kwargs["form_class"] = PermissionChoiceField
            kwargs.setdefault("queryset", Permission.objects.select_related("content_type"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)
