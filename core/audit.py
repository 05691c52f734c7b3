"""The audit log of staff actions that change money or access (refund, void, credit note,
suspend, reactivate, coupon change, role change, ledger adjustment)."""

import json

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder

from core.models import AuditEntry


def _plain(values):
    """JSON-safe copy (dates, decimals, UUIDs as strings) so any dict of field values can be stored."""
    return json.loads(json.dumps(values or {}, cls=DjangoJSONEncoder))


def record(*, actor, action, target, before=None, after=None, organization=None):
    """Write one entry. `target` is a model instance; `before`/`after` dicts of the values that changed."""
    if organization is None and target is not None:
        # The organization model is the one the entry points to (core does not import accounts).
        if isinstance(target, AuditEntry._meta.get_field("organization").related_model):
            organization = target
        elif getattr(target, "organization_id", None):
            organization = target.organization
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if authenticated else None,
        actor_email=actor.email if authenticated else "",
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        before=_plain(before),
        after=_plain(after),
        organization=organization,
    )


def snapshot(obj, fields):
    """The current values of `fields` on `obj`, for before/after."""
    return {name: getattr(obj, name) for name in fields}


def changed(before, after):
    """(before, after) restricted to the keys whose value differs; ({}, {}) when nothing changed."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}
