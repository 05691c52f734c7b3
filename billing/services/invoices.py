"""Invoices: create, finalize (gapless numbers under the sequence row's lock), pay, record a
failed payment, mark uncollectible. Paid and voided invoices run their source's handlers."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import handlers, pricing
from billing.models import INVOICE_MACHINE, Invoice, InvoiceLine, NumberSequence
from billing.services import delivery
from core.errors import InvalidTransition, ValidationFailed
from core.money import check_currency

logger = logging.getLogger("webox.billing")


@transaction.atomic
def create_invoice(
    *,
    organization,
    lines,
    source_type,
    source_id,
    coupon_code=None,
    user=None,
    finalize=True,
    subscription=None,
    period_start=None,
):
    """An invoice for `organization` with `lines` (LineSpec), finalized unless finalize=False."""
    handlers.check_source_type(source_type)
    check_currency(organization.currency)
    if not lines:
        raise ValidationFailed("An invoice needs at least one line.", code="invalid_line")
    priced = [pricing.price_line(spec) for spec in lines]
    amounts = pricing.totals(priced)
    if amounts["total"] < 0:
        raise ValidationFailed("An invoice cannot total less than zero: issue a credit note instead.", code="negative_invoice")
    invoice = Invoice.objects.create(
        organization=organization,
        subscription=subscription,
        period_start=period_start,
        currency=organization.currency,
        locale=organization.locale,
        source_type=source_type,
        source_id=str(source_id or ""),
        coupon_code=coupon_code or "",
        payment_terms_days=organization.payment_terms_days,
        created_by=user,
        **amounts,
    )
    InvoiceLine.objects.bulk_create(InvoiceLine(invoice=invoice, position=i, **line) for i, line in enumerate(priced))
    logger.info(
        "invoice_created invoice=%s org=%s source=%s:%s total=%s",
        invoice.pk,
        organization.pk,
        source_type,
        source_id,
        invoice.total,
    )
    if finalize:
        invoice = finalize_invoice(invoice=invoice)
    return invoice


def next_number(prefix, year):
    """The next number of the year, under the sequence row's lock: gapless, since a rolled-back
    finalization rolls the counter back with it."""
    sequence = NumberSequence.objects.select_for_update().filter(prefix=prefix, year=year).first()
    if sequence is None:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(prefix=prefix, year=year)
        except IntegrityError:
            pass  # another finalization created it first; lock theirs below
        sequence = NumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last, f"{prefix}-{year}-{sequence.last:06d}"


def seller_details():
    return dict(settings.SELLER)


def buyer_details(organization):
    return {
        "name": organization.display_legal_name,
        "address_lines": organization.address_lines,
        "address_line1": organization.address_line1,
        "postal_code": organization.postal_code,
        "city": organization.city,
        "country": organization.country,
        "vat_number": organization.vat_number,
        "email": organization.billing_email,
    }


@transaction.atomic
def finalize_invoice(*, invoice, issue_date=None):
    """draft → open: number, dates, seller and buyer fixed; the PDF is rendered by a task.

    `issue_date` (default today) lets staff date an invoice for a service already delivered."""
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("organization").get(pk=invoice.pk)
    INVOICE_MACHINE.check(invoice.status, Invoice.Status.OPEN)
    today = issue_date or pricing.platform_today()
    sequence, number = next_number("INV", today.year)
    INVOICE_MACHINE.advance(
        invoice,
        Invoice.Status.OPEN,
        number=number,
        year=today.year,
        sequence=sequence,
        issue_date=today,
        due_date=today + timedelta(days=invoice.payment_terms_days),
        seller=seller_details(),
        buyer=buyer_details(invoice.organization),
        locale=invoice.organization.locale,
    )
    logger.info("invoice_finalized invoice=%s number=%s total=%s %s", invoice.pk, number, invoice.total, invoice.currency)
    transaction.on_commit(lambda: delivery.render_invoice_documents.delay(invoice.pk))
    if invoice.total == 0:
        invoice = _settle(invoice, reference="zero-total")
    return invoice


def _settle(invoice, *, reference, amount=0):
    INVOICE_MACHINE.advance(
        invoice,
        Invoice.Status.PAID,
        paid_at=timezone.now(),
        amount_paid=invoice.amount_paid + amount,
        payment_references=[*invoice.payment_references, reference],
    )
    handlers.invoice_paid(invoice)
    return invoice


@transaction.atomic
def mark_invoice_paid(*, invoice, amount, reference):
    """Record the payment `reference` of `amount` (the whole amount due) and run the paid handlers once.

    The same reference twice is a no-op, so a replayed provider event changes nothing.
    """
    invoice = Invoice.objects.locked(invoice)
    if reference in invoice.payment_references:
        return invoice
    if invoice.status not in (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE):
        raise InvalidTransition(
            f"Invoice {invoice.number or 'draft'} is {invoice.get_status_display().lower()}: it cannot be paid.",
            code="invoice_not_payable",
        )
    if amount != invoice.amount_due:
        raise ValidationFailed(
            f"The amount {amount} does not match the {invoice.amount_due} due on invoice {invoice.number}.",
            code="amount_mismatch",
        )
    invoice = _settle(invoice, reference=reference, amount=amount)
    delivery.notify_invoice(invoice, "invoice_paid")
    logger.info("invoice_paid invoice=%s number=%s amount=%s reference=%s", invoice.pk, invoice.number, amount, reference)
    return invoice


@transaction.atomic
def record_payment_failure(*, invoice, code, message):
    """A failed payment attempt: counted and kept for the retry and dunning schedule."""
    invoice = Invoice.objects.locked(invoice)
    invoice.payment_attempts += 1
    invoice.last_payment_attempt_at = timezone.now()
    invoice.last_payment_error = f"{code}: {message}"[:255]
    invoice.save(update_fields=["payment_attempts", "last_payment_attempt_at", "last_payment_error", "updated_at"])
    logger.info("invoice_payment_failed invoice=%s attempts=%s code=%s", invoice.pk, invoice.payment_attempts, code)
    return invoice


def mark_void(invoice):
    INVOICE_MACHINE.advance(invoice, Invoice.Status.VOID, voided_at=timezone.now())
    handlers.invoice_voided(invoice)
    logger.info("invoice_voided invoice=%s number=%s", invoice.pk, invoice.number)
    return invoice


@transaction.atomic
def mark_uncollectible(*, invoice):
    invoice = Invoice.objects.locked(invoice)
    return INVOICE_MACHINE.advance(invoice, Invoice.Status.UNCOLLECTIBLE, uncollectible_at=timezone.now())
