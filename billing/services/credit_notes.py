"""Credit notes: credit part or all of a finalized invoice (never more than invoiced), void an
unpaid invoice by crediting what remains, and turn a provider refund into a credit note.

A credit first lowers what is still due; the part that covers money already paid goes back to
the customer: through the provider when the credit note records a refund, else to the customer
balance, where the next invoices use it (or staff refund it)."""

import logging
from collections import defaultdict

from django.db import transaction
from django.utils.translation import gettext as _

from billing import handlers, pricing, tax
from billing.documents.labels import credit_line_text, language
from billing.models import INVOICE_MACHINE, BalanceEntry, CreditNote, CreditNoteLine, Invoice
from billing.services import balance, delivery, invoices
from core.errors import Conflict, InvalidTransition, ValidationFailed
from core.money import prorate
from core.tasks import enqueue

logger = logging.getLogger("webox.billing")


@transaction.atomic
def void_invoice(*, invoice, reason, user=None):
    """open/uncollectible → void: what remains is credited (a numbered invoice is never erased)."""
    invoice = Invoice.objects.locked(invoice)
    INVOICE_MACHINE.check(invoice.status, Invoice.Status.VOID)
    if invoice.amount_paid:
        raise Conflict(_("This invoice has been paid: refund it with a credit note instead."), code="invoice_paid")
    if invoice.payments.filter(status__in=["pending", "processing"]).exists():
        raise Conflict(_("A payment of this invoice is in progress: cancel it first."), code="payment_in_progress")
    if invoice.creditable > 0:
        _create_credit_note(invoice, amount=invoice.creditable, reason=reason or "Invoice voided", user=user)
    return invoices.mark_void(invoice)


@transaction.atomic
def issue_credit_note(*, invoice, amount=None, reason, user=None, refund_reference="", lines=None):
    """Credit `amount` (tax included; all that remains when None) of a finalized invoice, or the
    given `lines` (LineSpec, e.g. the unused time of a plan) which then make the amount.

    Never more than invoiced: the invoice row is locked and the remainder checked (and the
    database refuses amount_credited above total). The credit lowers the amount due first; what
    it credits of money already paid goes to the customer balance, unless `refund_reference`
    says the provider paid it back. An unpaid invoice credited in full is void; a partly paid
    one with nothing left due is paid."""
    invoice = Invoice.objects.locked(invoice)
    if not invoice.is_finalized or invoice.status == Invoice.Status.VOID:
        raise InvalidTransition(_("Only an open, paid or uncollectible invoice can be credited."), code="invoice_not_creditable")
    priced = price_credit_lines(invoice, lines) if lines else None
    if priced is not None:
        amount = sum(line["total_amount"] for line in priced)
    amount = invoice.creditable if amount is None else amount
    if not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed(_("A credit note is for a positive amount."), code="invalid_amount")
    if amount > invoice.creditable:
        raise ValidationFailed(
            _("At most %(amount)s can still be credited on invoice %(number)s.")
            % {"amount": invoice.creditable, "number": invoice.number},
            code="credit_above_invoice",
        )
    paid_part = amount if refund_reference else amount - min(amount, invoice.amount_due)
    note = _create_credit_note(invoice, amount=amount, reason=reason, user=user, refund_reference=refund_reference, lines=priced)
    if paid_part:
        invoice.amount_paid -= paid_part
        invoice.save(update_fields=["amount_paid", "updated_at"])
    if paid_part and not refund_reference:
        balance.credit(
            organization=invoice.organization,
            currency=invoice.currency,
            amount=paid_part,
            kind=BalanceEntry.Kind.CREDIT_NOTE,
            description=_("Credit note %(number)s") % {"number": note.number},
            invoice=invoice,
            credit_note=note,
            user=user,
        )
    handlers.revenue_changed(organization_id=invoice.organization_id)
    if invoice.status in (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE) and invoice.amount_due == 0:
        if invoice.amount_paid:
            invoices.settle(invoice)
        else:
            invoices.mark_void(invoice)
    return note


def price_credit_lines(invoice, specs):
    """`specs` taxed as the invoice they correct taxed the same thing (its line with the same
    product reference, else its first line): a credit note reverses the invoice's VAT."""
    lines = list(invoice.lines.all())
    by_ref = {line.product_ref: line for line in reversed(lines)}
    priced = []
    for spec in specs:
        source = by_ref.get(spec.product_ref, lines[0])
        decision = tax.Decision(rate=source.vat_rate, basis=source.tax_basis)
        priced.append(pricing.price_line(spec, decision))
    return priced


def _credit_lines(invoice, amount):
    """The credit's lines: the invoice's own lines when crediting all of an uncredited invoice,
    otherwise one line per VAT rate, the amount shared out in proportion and split into HT and VAT."""
    lines = list(invoice.lines.all())
    if amount == invoice.total and invoice.amount_credited == 0:
        return [
            {
                k: getattr(line, k)
                for k in (
                    "description",
                    "product_ref",
                    "quantity",
                    "unit_amount",
                    "discount_amount",
                    "vat_rate",
                    "tax_basis",
                    "net_amount",
                    "vat_amount",
                    "total_amount",
                )
            }
            for line in lines
        ]
    by_rate = defaultdict(int)
    for line in lines:
        by_rate[line.vat_rate, line.tax_basis] += line.total_amount
    rates = sorted(by_rate)
    result, remaining = [], amount
    for i, (rate, basis) in enumerate(rates):
        share = remaining if i == len(rates) - 1 else prorate(amount, by_rate[rate, basis], invoice.total)
        remaining -= share
        net = prorate(share, 100, 100 + rate)
        result.append(
            {
                "description": credit_line_text(invoice.number, rate if len(rates) > 1 else None, language(invoice.locale)),
                "product_ref": "",
                "quantity": 1,
                "unit_amount": net,
                "discount_amount": 0,
                "vat_rate": rate,
                "tax_basis": basis,
                "net_amount": net,
                "vat_amount": share - net,
                "total_amount": share,
            }
        )
    return [line for line in result if line["total_amount"]]


def _create_credit_note(invoice, *, amount, reason, user=None, refund_reference="", lines=None):
    lines = lines or _credit_lines(invoice, amount)
    vat_total = sum(line["vat_amount"] for line in lines)
    year, sequence, number, today = invoices.next_number("AV")
    note = CreditNote.objects.create(
        organization=invoice.organization,
        invoice=invoice,
        number=number,
        year=year,
        sequence=sequence,
        currency=invoice.currency,
        locale=invoice.locale,
        reason=reason[:300],
        refund_reference=refund_reference,
        net_total=sum(line["net_amount"] for line in lines),
        vat_total=vat_total,
        total=amount,
        issue_date=today,
        **tax.vat_in_euros(vat_total, invoice.currency),
        seller=invoices.seller_details(),  # the seller as it is on the note's date
        buyer=invoice.buyer,
        created_by=user,
    )
    CreditNoteLine.objects.bulk_create(CreditNoteLine(credit_note=note, position=i, **line) for i, line in enumerate(lines))
    tax.record_distance_credit(note)
    invoice.amount_credited += amount
    invoice.save(update_fields=["amount_credited", "updated_at"])
    enqueue(delivery.render_credit_note_pdf, note.pk)
    logger.info("credit_note_issued note=%s invoice=%s amount=%s", number, invoice.number, amount)
    return note


def refund_to_credit_note(*, invoice, amount, refund_reference, reason="Refund", user=None):
    """What payments calls after a provider refund: the refunded amount becomes a credit note."""
    if amount > invoice.amount_paid:
        raise ValidationFailed(_("A refund is never above what was paid."), code="refund_above_paid")
    note = issue_credit_note(invoice=invoice, amount=amount, reason=reason, user=user, refund_reference=refund_reference)
    handlers.invoice_refunded(invoice, amount)
    return note
