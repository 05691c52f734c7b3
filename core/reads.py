"""Reads done once per page: a view that only reads renders inside `reads_once()`, and the
selectors marked `@read_once` answer a repeated call from the first one within it.

Pages built from several apps' selectors ask some of the same questions (the live subscription,
the Free plan) from different places: the usage page's limits, its credit row, what happens at
zero credits and the billing banner. Outside the block (services, tasks, pages that write) every
call reads the database."""

import contextlib
import contextvars
import functools

from django.db.models import Model

_answers = contextvars.ContextVar("read_once_answers", default=None)


@contextlib.contextmanager
def reads_once():
    """Within the block, each `@read_once` selector reads once per set of arguments."""
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def read_once(selector):
    """Mark a selector whose answer cannot change while a page that only reads renders."""

    @functools.wraps(selector)
    def wrapper(*args, **kwargs):
        answers = _answers.get()
        if answers is None:
            return selector(*args, **kwargs)
        key = (selector, _key(args), _key(sorted(kwargs.items())))
        if key not in answers:
            answers[key] = selector(*args, **kwargs)
        return answers[key]

    return wrapper


def _key(values):
    """Model instances count by their class and primary key (a page's organization is one object,
    a selector may be handed another copy of it)."""
    return tuple(
        _key(value) if isinstance(value, tuple) else (type(value), value.pk) if isinstance(value, Model) else value
        for value in values
    )
