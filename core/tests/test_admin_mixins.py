"""The admins' shared service action reports what it did in the staff's language, with the plural
form the count asks for (French: 0 and 1 singular, English: 1 only)."""

import pytest
from django.contrib import messages
from django.utils import translation
from django.utils.translation import ngettext_lazy

from core.admin_mixins import run_service_action
from core.errors import DomainError

ASSIGNED = ngettext_lazy("%(count)d ticket assigned to %(name)s.", "%(count)d tickets assigned to %(name)s.", "count")


class Admin:
    def __init__(self):
        self.said = []

    def message_user(self, request, message, level):
        self.said.append((str(message), level))


def refuse_odd(row):
    if row % 2:
        raise DomainError(translation.gettext("Choose an agent."))


@pytest.mark.parametrize(
    ("language", "rows", "said"),
    [
        ("en", [2], [("1 ticket assigned to Zoé.", messages.SUCCESS)]),
        ("en", [2, 4], [("2 tickets assigned to Zoé.", messages.SUCCESS)]),
        ("fr", [2], [("1 ticket assigné à Zoé.", messages.SUCCESS)]),
        ("fr", [2, 3, 4], [("3 : Choisissez un agent.", messages.ERROR), ("2 tickets assignés à Zoé.", messages.SUCCESS)]),
        ("fr", [3], [("3 : Choisissez un agent.", messages.ERROR)]),
    ],
)
def test_the_rows_done_are_counted_in_the_staff_language(language, rows, said):
    admin = Admin()
    with translation.override(language):
        done = run_service_action(admin, None, rows, refuse_odd, done_message=ASSIGNED, done_values={"name": "Zoé"})
    assert done == len([row for row in rows if not row % 2])
    assert admin.said == said
