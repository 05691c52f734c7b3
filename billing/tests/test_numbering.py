"""Chronological numbering: an invoice is dated the day it is numbered, the date read under the
sequence's lock, never before the previous number's date, through services and the admin."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from billing import pricing, services
from billing.models import Invoice, NumberSequence
from billing.tests.factories import invoice, line
from core.errors import Conflict

pytestmark = pytest.mark.django_db


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=UTC), tick=False)


def test_a_draft_is_dated_the_day_it_is_finalized_and_numbers_follow_dates(organization):
    with at(2026, 3, 1, 10):
        old_draft = invoice(organization, [line()], finalize=False)
    with at(2026, 3, 5, 10):
        first = invoice(organization, [line()])
    with at(2026, 3, 9, 10):
        late = services.finalize_invoice(invoice=old_draft)
    assert (first.number, first.issue_date) == ("INV-2026-000001", date(2026, 3, 5))
    assert (late.number, late.issue_date) == ("INV-2026-000002", date(2026, 3, 9))


def test_finalization_offers_no_date_to_choose():
    import inspect

    assert list(inspect.signature(services.finalize_invoice).parameters) == ["invoice"]


def test_a_date_before_the_last_numbers_is_refused_and_changes_nothing(organization):
    with at(2026, 3, 10, 10):
        invoice(organization, [line()])
    with at(2026, 3, 9, 10):  # the clock went back
        draft = invoice(organization, [line()], finalize=False)
        with pytest.raises(Conflict) as error:
            services.finalize_invoice(invoice=draft)
    assert error.value.code == "numbering_out_of_order"
    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("draft", None)
    assert NumberSequence.objects.get(prefix="INV").last == 1


def test_the_date_is_read_once_the_sequence_is_locked(organization, monkeypatch):
    """A finalization that waited for the lock across midnight on 31 December numbers in the new
    year, with the new year's date."""
    days = iter([date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 1)])
    draft = invoice(organization, [line()], finalize=False)
    monkeypatch.setattr(pricing, "platform_today", lambda: next(days))
    final = services.finalize_invoice(invoice=draft)
    assert (final.number, final.year, final.issue_date) == ("INV-2027-000001", 2027, date(2027, 1, 1))
    assert NumberSequence.objects.get(prefix="INV", year=2027).last_date == date(2027, 1, 1)


def test_credit_notes_follow_the_same_rule(organization):
    with at(2026, 3, 10, 10):
        inv = invoice(organization, [line()])
    with at(2026, 3, 12, 10):
        note = services.issue_credit_note(invoice=inv, amount=100, reason="Goodwill")
    assert (note.number, note.issue_date) == ("AV-2026-000001", date(2026, 3, 12))


def test_the_admin_cannot_date_an_invoice(admin_client, organization):
    draft = invoice(organization, [line()], finalize=False)
    url = reverse("admin:billing_invoice_change", args=[draft.pk])
    admin_client.post(url, {"issue_date": "2020-01-01", "year": "2020"})
    admin_client.post(reverse("admin:billing_invoice_changelist"), {"action": "finalize", "_selected_action": [draft.pk]})
    draft = Invoice.objects.get(pk=draft.pk)
    assert draft.status == "open" and draft.issue_date == pricing.platform_today()
