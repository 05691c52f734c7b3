"""Text that is translated when it is read, not when it is written.

A notification to an organization goes to members who may read different languages, and an email
is written in its recipient's language by code that runs in another request's (or no) language.
`lazy_text(gettext_lazy("Invoice %(number)s is paid."), number=invoice.number)` keeps the English
message and its values; `str()` of it in `translation.override(...)` gives that language's text.
"""

from django.utils.functional import lazy


def _render(message, params):
    text = str(message)
    return text % {name: str(value) for name, value in params.items()} if params else text


_lazy_render = lazy(_render, str)


def lazy_text(message, **params):
    return _lazy_render(message, params)
