"""Explicit state machines.

Each stateful model declares its allowed transitions as a dict in its model module, and each
transition is one service function that calls `advance()`. Nothing else assigns `.status`.
"""

from core.errors import InvalidTransition


class StateMachine:
    def __init__(self, transitions, *, field="status"):
        self.transitions = {source: frozenset(targets) for source, targets in transitions.items()}
        self.field = field

    def can(self, source, target):
        return target in self.transitions.get(source, ())

    def check(self, source, target):
        if not self.can(source, target):
            raise InvalidTransition(f"Cannot go from “{source}” to “{target}”.")

    def advance(self, instance, target, *, save=True, **changes):
        """Move `instance` to `target` (checked), apply `changes`, and save only what changed."""
        self.check(getattr(instance, self.field), target)
        setattr(instance, self.field, target)
        for name, value in changes.items():
            setattr(instance, name, value)
        if save:
            fields = [self.field, *changes]
            if hasattr(instance, "updated_at"):
                fields.append("updated_at")
            instance.save(update_fields=fields)
        return instance
