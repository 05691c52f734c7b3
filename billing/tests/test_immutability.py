"""A finalized invoice, its lines and every credit note refuse changes and deletion through every
ORM path (instances fresh, refreshed or stale, querysets, bulk inserts) on every backend, and in
PostgreSQL through the database's triggers as well (raw SQL, Django's base QuerySet)."""

import pytest
from django.db import IntegrityError, connection, models, transaction

from billing import services
from billing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine
from billing.tests.factories import invoice, line
from conftest import requires_postgres
from core.errors import Conflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def finalized(organization):
    return invoice(organization, [line(unit_amount=1000)])


@pytest.fixture
def note(finalized):
    return services.issue_credit_note(invoice=finalized, amount=600, reason="Goodwill")


def refused(action, code="invoice_finalized"):
    with pytest.raises(Conflict) as error, transaction.atomic():
        action()
    assert error.value.code == code


def test_an_instance_refreshed_after_finalization_is_frozen(organization):
    draft = invoice(organization, [line()], finalize=False)
    services.finalize_invoice(invoice=draft)
    draft.refresh_from_db()
    draft.total = 1

    refused(draft.save)


def test_a_stale_draft_instance_cannot_undo_a_finalization(organization):
    draft = invoice(organization, [line()], finalize=False)
    stale = Invoice.objects.get(pk=draft.pk)
    services.finalize_invoice(invoice=draft)
    stale.coupon_code = "LATE"
    refused(stale.save)
    refused(stale.delete)
    assert Invoice.objects.get(pk=draft.pk).number


def test_queryset_updates_touch_only_the_payment_life(finalized):
    refused(lambda: Invoice.objects.filter(pk=finalized.pk).update(total=1))
    refused(lambda: Invoice.objects.filter(pk=finalized.pk).update(status="draft"))
    refused(lambda: Invoice.objects.filter(pk=finalized.pk).delete())
    assert Invoice.objects.filter(pk=finalized.pk).update(payment_attempts=2) == 1
    assert Invoice.objects.get(pk=finalized.pk).total == 1200


def test_lines_of_a_finalized_invoice_refuse_every_path(finalized):
    lines = InvoiceLine.objects.filter(invoice=finalized)
    refused(lambda: lines.update(unit_amount=1))
    refused(lambda: lines.delete())
    refused(lambda: InvoiceLine.objects.bulk_create([InvoiceLine(invoice=finalized, **_priced())]))
    a_line = lines.get()
    a_line.description = "Something else"
    refused(a_line.save)
    refused(a_line.delete)
    assert [(ln.description, ln.unit_amount) for ln in lines] == [("Image pack", 1000)]


def test_a_credit_note_and_its_lines_never_change(note):
    note.reason = "Rewritten"
    refused(note.save, "credit_note_issued")
    refused(note.delete, "credit_note_issued")
    refused(lambda: CreditNote.objects.filter(pk=note.pk).update(total=1), "credit_note_issued")
    refused(lambda: CreditNote.objects.filter(pk=note.pk).delete(), "credit_note_issued")
    a_line = note.lines.first()
    a_line.net_amount = 1
    refused(a_line.save, "credit_note_issued")
    refused(a_line.delete, "credit_note_issued")
    refused(lambda: CreditNoteLine.objects.filter(credit_note=note).update(net_amount=1), "credit_note_issued")
    refused(lambda: CreditNoteLine.objects.filter(credit_note=note).delete(), "credit_note_issued")
    # What may change: the rendered file and the notification.
    assert CreditNote.objects.filter(pk=note.pk).update(pdf_file="credit_notes/x.pdf") == 1
    fresh = CreditNote.objects.get(pk=note.pk)
    assert (fresh.reason, fresh.total, fresh.lines.first().net_amount) == ("Goodwill", 600, 500)


def test_drafts_stay_editable(organization):
    draft = invoice(organization, [line()], finalize=False)
    draft.coupon_code = "X"
    draft.save()
    InvoiceLine.objects.filter(invoice=draft).update(description="Renamed")
    Invoice.objects.filter(pk=draft.pk).delete()
    assert not InvoiceLine.objects.exists()


def _priced():
    return {
        "description": "Extra", "quantity": 1, "unit_amount": 1, "vat_rate": 0, "tax_basis": "fr",
        "net_amount": 1, "vat_amount": 0, "total_amount": 1,
    }  # fmt: skip


def refused_by_database(sql, params):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@requires_postgres
def test_the_database_refuses_what_bypasses_the_models(finalized, note):
    line_id = finalized.lines.get().pk
    note_line = note.lines.first().pk
    for sql, params in (
        ("UPDATE billing_invoice SET total = 1 WHERE id = %s", [finalized.pk]),
        ("UPDATE billing_invoice SET status = 'draft' WHERE id = %s", [finalized.pk]),
        ("DELETE FROM billing_invoice WHERE id = %s", [finalized.pk]),
        ("UPDATE billing_invoiceline SET unit_amount = 1 WHERE id = %s", [line_id]),
        ("DELETE FROM billing_invoiceline WHERE id = %s", [line_id]),
        ("UPDATE billing_creditnote SET total = 1 WHERE id = %s", [note.pk]),
        ("DELETE FROM billing_creditnote WHERE id = %s", [note.pk]),
        ("UPDATE billing_creditnoteline SET net_amount = 1 WHERE id = %s", [note_line]),
        ("DELETE FROM billing_creditnoteline WHERE id = %s", [note_line]),
    ):
        refused_by_database(sql, params)
    # Django's base QuerySet, past the billing querysets' guards.
    with pytest.raises(IntegrityError), transaction.atomic():
        models.QuerySet(Invoice).filter(pk=finalized.pk).update(net_total=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        models.QuerySet(InvoiceLine).filter(pk=line_id).delete()
    # The payment life still moves.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE billing_invoice SET payment_attempts = 3 WHERE id = %s", [finalized.pk])
    assert Invoice.objects.get(pk=finalized.pk).payment_attempts == 3
