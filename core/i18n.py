"""Text that is translated when it is read, not when it is written.

A notification to an organization goes to members who may read different languages, and an email
is written in its recipient's language by code that runs in another request's (or no) language.
`lazy_text(gettext_lazy("Invoice %(number)s is paid."), number=invoice.number)` keeps the English
message and its values (themselves lazy texts or not); `str()` of it in `translation.override(...)`
gives that language's text. Plurals: `lazy_text(ngettext_lazy("one", "%(n)s many", "n"), n=3)`.
"""

from django.utils.functional import Promise, lazy


def _render(message, params):
    if not params:
        return str(message)
    # `%` on a lazy message picks the plural of an ngettext_lazy(..., "count") by its value.
    return str(message % {name: str(value) if isinstance(value, Promise) else value for name, value in params.items()})


_lazy_render = lazy(_render, str)


def lazy_text(message, **params):
    return _lazy_render(message, params)
