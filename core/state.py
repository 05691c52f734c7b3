"""Explicit state machines.

Each stateful model declares its allowed transitions as a dict in its model module, and each
transition is one service function that calls `advance()`. Nothing else assigns `.status`.
Every move is written to the transition log (`StateTransition`: which row, from, to, who, when)
in the transaction that makes it; who is the user of the request being served (none for tasks).
"""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from core.errors import InvalidTransition
from core.logging import request_context
from core.models import StateTransition


def acting_user():
    """The signed-in user of the request being served (an API client once DRF authenticated it)."""
    request = (request_context.get() or {}).get("request")
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class StateMachine:
    def __init__(self, transitions, *, field="status"):
        self.transitions = {source: frozenset(targets) for source, targets in transitions.items()}
        self.field = field

    def can(self, source, target):
        return target in self.transitions.get(source, ())

    def check(self, source, target):
        if not self.can(source, target):
            raise InvalidTransition(_("Cannot go from “%(source)s” to “%(target)s”.") % {"source": source, "target": target})

    def advance(self, instance, target, *, save=True, **changes):
        """Move `instance` to `target` (checked), apply `changes`, save only what changed, and log
        the move (with save=False the caller saves the row; the move is logged all the same)."""
        source = getattr(instance, self.field)
        self.check(source, target)
        setattr(instance, self.field, target)
        for name, value in changes.items():
            setattr(instance, name, value)
        if save:
            fields = [self.field, *changes]
            if hasattr(instance, "updated_at"):
                fields.append("updated_at")
            instance.save(update_fields=fields)
        if getattr(instance, "pk", None) is not None:
            self._log(instance, source, target)
        return instance

    def _log(self, instance, source, target):
        actor = acting_user()
        StateTransition.objects.create(
            content_type=ContentType.objects.get_for_model(instance),
            object_id=str(instance.pk),
            field=self.field,
            source=source,
            target=target,
            actor=actor,
            actor_email=actor.email if actor is not None else "",
        )


def history(instance):
    """The moves of one row, oldest first."""
    return StateTransition.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=str(instance.pk)
    ).select_related("actor")
