"""Invoices: create, finalize (gapless numbers under the sequence row's lock; the customer balance
applied at once), pay, record what a provider captured, record a failed payment, mark
uncollectible. Paid and voided invoices run their source's handlers."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.validators import siren_of
from billing import handlers, pricing, tax
from billing.models import INVOICE_MACHINE, BalanceEntry, Invoice, InvoiceLine, NumberSequence
from billing.services import balance, delivery
from billing.tax_identity import usable_vat_number
from core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from core.money import check_currency
from core.tasks import enqueue

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
    if subscription is not None and subscription.currency != organization.currency:
        raise Conflict(
            _("Subscription %(id)s is billed in %(currency)s, not %(organization_currency)s.")
            % {"id": subscription.pk, "currency": subscription.currency, "organization_currency": organization.currency},
            code="currency_mismatch",
        )
    if not lines:
        raise ValidationFailed(_("An invoice needs at least one line."), code="invalid_line")
    priced = pricing.price_lines(organization, lines, on=pricing.platform_today())
    amounts = pricing.totals(priced)
    if amounts["total"] < 0:
        raise ValidationFailed(_("An invoice cannot total less than zero: issue a credit note instead."), code="negative_invoice")
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


def next_number(prefix):
    """(year, sequence, number, issue date) of the next document of `prefix`, under the sequence
    row's lock: gapless, since a rolled-back finalization rolls the counter back with it, and
    chronological, since the date is read once the lock is held (a finalization waiting for it
    gets a later date and a later number) and never before the previous number's."""
    year = pricing.platform_today().year
    while True:
        sequence = _locked_sequence(prefix, year)
        today = pricing.platform_today()
        if today.year == year:
            break
        year = today.year  # the year turned while waiting: number in the new one
    if sequence.last_date and today < sequence.last_date:
        raise Conflict(
            _("%(number)s is dated %(date)s: a later number cannot be dated %(today)s.")
            % {"number": f"{prefix}-{year}-{sequence.last:06d}", "date": sequence.last_date, "today": today},
            code="numbering_out_of_order",
        )
    sequence.last += 1
    sequence.last_date = today
    sequence.save(update_fields=["last", "last_date"])
    return year, sequence.last, f"{prefix}-{year}-{sequence.last:06d}", today


def _locked_sequence(prefix, year):
    sequence = NumberSequence.objects.select_for_update().filter(prefix=prefix, year=year).first()
    if sequence is None:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(prefix=prefix, year=year)
        except IntegrityError:
            pass  # another finalization created it first; lock theirs below
        sequence = NumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
    return sequence


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
        "vat_number": usable_vat_number(organization),
        "siren": siren_of(organization.siren) if organization.country == "FR" else "",
        "is_business": organization.is_business,
        "routing_address": organization.einvoicing_address,
        # Where the invoice is sent (and the electronic address of a buyer outside the French
        # directory): the billing email, else the first owner's.
        "email": organization.billing_email or organization.owners().order_by("pk").values_list("email", flat=True).first() or "",
    }


@transaction.atomic
def finalize_invoice(*, invoice):
    """draft → open: number, dates, seller and buyer fixed; the PDF is rendered by a task.

    The issue date is the day of finalization, taken with the number (no backdating: numbers
    follow their dates)."""
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("organization").get(pk=invoice.pk)
    INVOICE_MACHINE.check(invoice.status, Invoice.Status.OPEN)
    year, sequence, number, today = next_number("INV")
    INVOICE_MACHINE.advance(
        invoice,
        Invoice.Status.OPEN,
        number=number,
        year=year,
        sequence=sequence,
        issue_date=today,
        due_date=today + timedelta(days=invoice.payment_terms_days),
        seller=seller_details(),
        buyer=buyer_details(invoice.organization),
        locale=invoice.organization.locale,
        **tax.vat_in_euros(invoice.vat_total, invoice.currency),
    )
    tax.record_distance_sales(invoice)
    handlers.revenue_changed(organization_id=invoice.organization_id)
    logger.info("invoice_finalized invoice=%s number=%s total=%s %s", invoice.pk, number, invoice.total, invoice.currency)
    enqueue(delivery.render_invoice_documents, invoice.pk)
    if invoice.total == 0:
        return settle(invoice, reference="zero-total")
    balance.apply_to(invoice)
    if invoice.amount_due == 0:
        return settle(invoice)
    return invoice


def settle(invoice, *, reference=None, amount=0):
    """open → paid with `amount` more paid, and the paid handlers run (once: the transition is)."""
    references = invoice.payment_references + ([reference] if reference else [])
    INVOICE_MACHINE.advance(
        invoice,
        Invoice.Status.PAID,
        paid_at=timezone.now(),
        amount_paid=invoice.amount_paid + amount,
        payment_references=references,
    )
    handlers.revenue_changed(organization_id=invoice.organization_id)
    handlers.invoice_paid(invoice)
    return invoice


@transaction.atomic
def mark_invoice_paid(*, invoice, amount, reference):
    """Record the payment `reference` of `amount` (the whole amount due) and run the paid handlers
    once: a bank transfer or a payment staff recorded by hand. What a provider captured, which may
    differ, goes through record_capture instead.

    The same reference twice is a no-op, so a replayed provider event changes nothing.
    """
    invoice = Invoice.objects.locked(invoice)
    if reference in invoice.payment_references:
        return invoice
    _check_payable(invoice)
    if amount != invoice.amount_due:
        raise ValidationFailed(
            _("The amount %(amount)s does not match the %(due)s due on invoice %(number)s.")
            % {"amount": amount, "due": invoice.amount_due, "number": invoice.number},
            code="amount_mismatch",
        )
    invoice = settle(invoice, reference=reference, amount=amount)
    delivery.notify_invoice(invoice, "invoice_paid")
    logger.info("invoice_paid invoice=%s number=%s amount=%s reference=%s", invoice.pk, invoice.number, amount, reference)
    return invoice


def _check_payable(invoice):
    if invoice.status not in (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE):
        raise InvalidTransition(
            _("Invoice %(number)s is %(status)s: it cannot be paid.")
            % {"number": invoice.number or _("draft"), "status": invoice.get_status_display().lower()},
            code="invoice_not_payable",
        )


@transaction.atomic
def record_capture(*, invoice, amount, currency, reference, payment=None):
    """What a provider captured for `invoice`, recorded whatever it is (never refused: the money
    moved). Up to the amount due pays the invoice (paid once nothing is due, handlers run);
    anything above, anything on an invoice no longer payable and anything in another currency
    goes to the customer balance in its currency. Returns (applied to the invoice, credited to
    the balance). The same reference twice is a no-op."""
    invoice = Invoice.objects.locked(invoice)
    if reference in invoice.payment_references:
        return 0, 0
    payable = invoice.status in (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE) and currency == invoice.currency
    applied = min(amount, invoice.amount_due) if payable else 0
    if applied and applied == invoice.amount_due:
        settle(invoice, reference=reference, amount=applied)
        delivery.notify_invoice(invoice, "invoice_paid")
    elif applied:
        invoice.amount_paid += applied
        invoice.payment_references = [*invoice.payment_references, reference]
        invoice.save(update_fields=["amount_paid", "payment_references", "updated_at"])
        handlers.revenue_changed(organization_id=invoice.organization_id)
    surplus = amount - applied
    if surplus:
        # After the paid handlers, so the balance account is locked last (as renewals do).
        balance.credit(
            organization=invoice.organization,
            currency=currency,
            amount=surplus,
            kind=BalanceEntry.Kind.OVERPAYMENT,
            description=_("Paid above what invoice %(number)s asked") % {"number": invoice.number},
            invoice=invoice,
            payment=payment,
        )
    logger.info(
        "invoice_capture invoice=%s amount=%s %s applied=%s surplus=%s reference=%s",
        invoice.number, amount, currency, applied, surplus, reference,
    )  # fmt: skip
    return applied, surplus


@transaction.atomic
def apply_balance(*, organization, invoice, amount=None, user=None):
    """Pay `invoice` (at most `amount` of it) from the organization's customer balance, on the
    customer's request: balances arriving after an invoice was finalized (a credit note) are not
    applied on their own. Returns the amount applied; another organization's invoice is NotFound."""
    invoice = Invoice.objects.locked(invoice)
    if invoice.organization_id != organization.pk or not invoice.is_finalized:
        raise NotFound(_("No such invoice."))
    _check_payable(invoice)
    if amount is not None and (not isinstance(amount, int) or amount <= 0):
        raise ValidationFailed(_("Enter a positive amount."), code="invalid_amount", fields={"amount": [_("Must be positive.")]})
    if invoice.payments.filter(status__in=["pending", "processing"]).exists():
        raise Conflict(
            _("A payment of this invoice is already in progress: wait for it or cancel it."), code="payment_in_progress"
        )
    applied = balance.apply_to(invoice, amount=amount, user=user)
    if not applied:
        raise Conflict(_("There is no balance to apply to this invoice."), code="no_balance")
    if invoice.amount_due == 0:
        settle(invoice)
        delivery.notify_invoice(invoice, "invoice_paid")
    return applied


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
    handlers.revenue_changed(organization_id=invoice.organization_id)
    handlers.invoice_voided(invoice)
    logger.info("invoice_voided invoice=%s number=%s", invoice.pk, invoice.number)
    return invoice


@transaction.atomic
def mark_uncollectible(*, invoice):
    invoice = Invoice.objects.locked(invoice)
    INVOICE_MACHINE.advance(invoice, Invoice.Status.UNCOLLECTIBLE, uncollectible_at=timezone.now())
    handlers.revenue_changed(organization_id=invoice.organization_id)
    return invoice
