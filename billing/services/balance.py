"""The customer balance: credit it (a credit note on money already paid, a payment above what was
due) and apply it to invoices. Every movement locks the organization's account row for the
currency (after the invoice's row when there is one), so concurrent movements are checked one
after the other against the real sum and the balance never goes below zero.

Applying the balance to an invoice is a payment from it: the invoice's total (and its VAT) stay
what they are, `balance_applied` and `amount_paid` grow, and the invoice shows the line
"Paid from your balance". A refund of the balance through the provider is billing.payments' job.
"""

import logging

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from billing import handlers
from billing.models import BalanceAccount, BalanceEntry, Invoice
from core.errors import ValidationFailed

logger = logging.getLogger("webox.billing.balance")


def lock_account(organization, currency):
    """The organization's balance account for `currency` (created on first use), locked until the
    transaction ends."""
    BalanceAccount.objects.get_or_create(organization_id=organization.pk, currency=currency)
    return BalanceAccount.objects.select_for_update().get(organization_id=organization.pk, currency=currency)


def current(organization, currency):
    """The sum of the ledger (read it under lock_account to act on it)."""
    entries = BalanceEntry.objects.filter(organization_id=organization.pk, currency=currency)
    return entries.aggregate(total=Sum("amount"))["total"] or 0


def record(*, organization, currency, amount, kind, description, user=None, **links):
    """One ledger entry; the caller holds the account's lock and has checked the sum."""
    entry = BalanceEntry.objects.create(
        organization_id=organization.pk,
        currency=currency,
        amount=amount,
        kind=kind,
        description=description[:300],
        created_by=user,
        **links,
    )
    logger.info("balance_entry org=%s currency=%s amount=%+d kind=%s", organization.pk, currency, amount, kind)
    return entry


@transaction.atomic
def credit(*, organization, currency, amount, kind, description, user=None, **links):
    """Add `amount` (positive minor units) to the customer's balance in `currency`."""
    if not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed(_("A balance credit is a positive amount."), code="invalid_amount")
    lock_account(organization, currency)
    return record(
        organization=organization, currency=currency, amount=amount, kind=kind, description=description, user=user, **links
    )


def apply_to(invoice, *, amount=None, user=None):
    """Pay what the balance can of `invoice` (its row locked by the caller): at most the amount
    due, the balance and `amount` when given. Returns the amount applied (0 when none)."""
    if invoice.status not in (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE) or invoice.amount_due <= 0:
        return 0
    lock_account(invoice.organization, invoice.currency)
    available = current(invoice.organization, invoice.currency)
    applied = min(available, invoice.amount_due, invoice.amount_due if amount is None else amount)
    if applied <= 0:
        return 0
    entry = record(
        organization=invoice.organization,
        currency=invoice.currency,
        amount=-applied,
        kind=BalanceEntry.Kind.APPLIED,
        description=_("Applied to invoice %(number)s") % {"number": invoice.number},
        invoice=invoice,
        user=user,
    )
    invoice.amount_paid += applied
    invoice.balance_applied += applied
    invoice.payment_references = [*invoice.payment_references, f"balance:{entry.pk}"]
    invoice.save(update_fields=["amount_paid", "balance_applied", "payment_references", "updated_at"])
    handlers.revenue_changed(organization_id=invoice.organization_id)
    logger.info("balance_applied invoice=%s amount=%s", invoice.number, applied)
    return applied
