"""The customer balance: per organization and currency, a ledger of entries (never a mutable
total). A positive entry is money the customer may use (a credit note on a paid invoice, an
overpayment); a negative one is money taken from it (applied to an invoice, refunded through the
provider). The balance is the sum of the entries and never goes below zero: every movement locks
the organization's BalanceAccount row for its currency first.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.models.plans import CURRENCIES


class BalanceAccount(models.Model):
    """The row locked while an organization's balance in one currency moves."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="balance_accounts", verbose_name=_("organization")
    )
    currency = models.CharField(max_length=3, choices=CURRENCIES, verbose_name=_("currency"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("balance account")
        verbose_name_plural = _("balance accounts")
        constraints = [
            models.UniqueConstraint(fields=["organization", "currency"], name="balanceaccount_one_per_currency"),
        ]

    def __str__(self):
        return f"{self.organization} {self.currency}"


class BalanceEntry(models.Model):
    class Kind(models.TextChoices):
        CREDIT_NOTE = "credit_note", _("Credit note on a paid invoice")
        OVERPAYMENT = "overpayment", _("Payment above the amount due")
        APPLIED = "applied", _("Applied to an invoice")
        REFUND = "refund", _("Refunded to the payment method")
        REFUND_FAILED = "refund_failed", _("Refund refused by the provider, credited back")

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="balance_entries", verbose_name=_("organization")
    )
    currency = models.CharField(max_length=3, choices=CURRENCIES, verbose_name=_("currency"))
    amount = models.BigIntegerField(
        help_text=_("Minor units: positive credits the customer, negative uses the balance"), verbose_name=_("amount")
    )
    kind = models.CharField(max_length=14, choices=Kind.choices, verbose_name=_("kind"))
    description = models.CharField(max_length=300, verbose_name=_("description"))
    invoice = models.ForeignKey(
        "billing.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="balance_entries",
        verbose_name=_("invoice"),
    )
    credit_note = models.ForeignKey(
        "billing.CreditNote",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="balance_entries",
        verbose_name=_("credit note"),
    )
    payment = models.ForeignKey(
        "billing.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="balance_entries",
        verbose_name=_("payment"),
    )
    refund = models.ForeignKey(
        "billing.Refund",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="balance_entries",
        verbose_name=_("refund"),
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("balance entry")
        verbose_name_plural = _("balance entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "currency", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="balanceentry_nonzero"),
            # A credit note credits the balance once; a payment's surplus goes to it once.
            models.UniqueConstraint(
                fields=["credit_note"], condition=Q(kind="credit_note"), name="balanceentry_once_per_credit_note"
            ),
            models.UniqueConstraint(fields=["payment"], condition=Q(kind="overpayment"), name="balanceentry_once_per_payment"),
            models.CheckConstraint(
                condition=Q(kind__in=["credit_note", "overpayment", "refund_failed"], amount__gt=0)
                | Q(kind__in=["applied", "refund"], amount__lt=0),
                name="balanceentry_sign_follows_kind",
            ),
        ]

    def __str__(self):
        return f"{self.amount:+d} {self.currency} ({self.kind})"
