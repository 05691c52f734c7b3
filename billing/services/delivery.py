"""Invoice and credit-note documents and messages: the PDF rendered once by a task after
finalization, then the "issued" email with the PDF attached (once); the paid notification;
staff's resend.

The two rendering tasks live here, beside what they run, under their historical names
(`billing.tasks.*`), so the invoice services queue them without importing the task module.
"""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import documents, selectors
from billing.emails import credit_note_message, invoice_message
from billing.models import CreditNote, Invoice
from core.errors import InvalidTransition
from core.tasks import RETRY
from notifications.services import notify

logger = logging.getLogger("webox.billing")


@shared_task(name="billing.tasks.render_invoice_documents", **RETRY)
def render_invoice_documents(invoice_id):
    """Render the PDF once, then send the "invoice issued" email with it (once)."""
    invoice = store_invoice_pdf(invoice=Invoice.objects.get(pk=invoice_id))
    send_invoice_issued(invoice=invoice)


@shared_task(name="billing.tasks.render_credit_note_pdf", **RETRY)
def render_credit_note_pdf(note_id):
    note = store_credit_note_pdf(note=CreditNote.objects.get(pk=note_id))
    send_credit_note_issued(note=note)


def store_invoice_pdf(*, invoice):
    """Render the PDF (Factur-X when required) once; a second call keeps the first file."""
    with transaction.atomic():
        invoice = Invoice.objects.locked(invoice)
        if invoice.pdf_file or not invoice.is_finalized:
            return invoice
        invoice.pdf_file = documents.save_pdf(f"invoices/{invoice.year}/{invoice.number}.pdf", documents.invoice_pdf(invoice))
        invoice.save(update_fields=["pdf_file", "updated_at"])
    logger.info("invoice_pdf_rendered invoice=%s path=%s", invoice.number, invoice.pdf_file)
    return invoice


def store_credit_note_pdf(*, note):
    with transaction.atomic():
        note = CreditNote.objects.select_for_update().select_related("invoice", "organization").get(pk=note.pk)
        if note.pdf_file:
            return note
        note.pdf_file = documents.save_pdf(f"credit-notes/{note.year}/{note.number}.pdf", documents.credit_note_pdf(note))
        note.save(update_fields=["pdf_file"])
    return note


@transaction.atomic
def send_credit_note_issued(*, note):
    """The credit note's email (PDF attached) and notification, once."""
    if not CreditNote.objects.filter(pk=note.pk, notified_at__isnull=True).update(notified_at=timezone.now()):
        return False
    title, body = credit_note_message(note)
    attachments = (
        [{"filename": f"{note.number}.pdf", "path": note.pdf_file, "mimetype": "application/pdf"}] if note.pdf_file else []
    )
    notify(
        note.organization,
        "credit_note_issued",
        title=title,
        body=body,
        link=selectors.invoice_url(note.invoice),
        context={"note": note, "invoice": note.invoice},
        attachments=attachments,
        related=note,
    )
    return True


@transaction.atomic
def send_invoice_issued(*, invoice):
    """The "invoice issued" email (PDF attached) and notification, once per invoice."""
    updated = Invoice.objects.filter(pk=invoice.pk, issued_notified_at__isnull=True).update(issued_notified_at=timezone.now())
    if updated:
        notify_invoice(invoice, "invoice_issued", attach_pdf=True)
    return bool(updated)


def resend_invoice(*, invoice):
    """Staff's "resend": the issued email and notification again, with the PDF (rendered now if
    its task never did)."""
    if not invoice.is_finalized:
        raise InvalidTransition(_("Only a finalized invoice can be sent."), code="invoice_not_ready")
    invoice = store_invoice_pdf(invoice=invoice)
    with transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk, issued_notified_at__isnull=True).update(issued_notified_at=timezone.now())
        notify_invoice(invoice, "invoice_issued", attach_pdf=True)


def notify_invoice(invoice, kind, *, attach_pdf=False):
    title, body = invoice_message(invoice, kind)
    attachments = (
        [{"filename": f"{invoice.number}.pdf", "path": invoice.pdf_file, "mimetype": "application/pdf"}]
        if attach_pdf and invoice.pdf_file
        else []
    )
    notify(
        invoice.organization,
        kind,
        title=title,
        body=body,
        link=selectors.invoice_url(invoice),
        context={"invoice": invoice},
        attachments=attachments,
        related=invoice,
    )
