"""Payments of invoices, saved payment methods, refunds and provider webhook events.

Nothing secret is stored: card numbers never reach the server (providers give tokens) and
provider keys live in the environment.
"""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.models.invoicing import Invoice
from billing.models.plans import CURRENCIES
from core.state import StateMachine


class Provider(models.TextChoices):
    SANDBOX = "sandbox", _("Sandbox (test mode)")
    STRIPE = "stripe", _("Stripe")
    MOBILE_MONEY = "mobile_money", _("Mobile money")


class MethodKind(models.TextChoices):
    CARD = "card", _("Card")
    MOBILE_MONEY = "mobile_money", _("Mobile money")
    SANDBOX = "sandbox", _("Sandbox test card")


# Failure codes in words, for the customer and in their language; any other code quotes the
# provider's own message (kept as the provider wrote it in failure_message, for staff) in a
# sentence of the reader's language.
FAILURE_REASONS = {
    "card_declined": _("Your bank declined the card. Try another card or contact your bank."),
    "insufficient_funds": _("The card has insufficient funds."),
    "authentication_failed": _("The payment was not confirmed at the second step."),
    "expired_card": _("The card has expired."),
    "incorrect_cvc": _("The security code is incorrect."),
    "timeout": _("The payment was not confirmed on the phone in time."),
    "canceled_by_customer": _("The payment was refused on the phone."),
}

MOBILE_OPERATORS = {"orange": "Orange Money", "wave": "Wave", "mtn": "MTN MoMo"}
MOBILE_MONEY_CURRENCIES = ("XOF",)  # what mobile money can be paid in (the providers check it too)


class PaymentMethod(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="payment_methods", verbose_name=_("organization")
    )
    provider = models.CharField(max_length=20, choices=Provider.choices, verbose_name=_("provider"))
    kind = models.CharField(max_length=20, choices=MethodKind.choices, verbose_name=_("kind"))
    provider_token = models.CharField(
        max_length=120, help_text=_("The provider's reference, never a card number"), verbose_name=_("provider token")
    )
    provider_customer = models.CharField(max_length=120, blank=True, verbose_name=_("provider customer"))
    brand = models.CharField(max_length=30, blank=True, verbose_name=_("brand"))
    last4 = models.CharField(max_length=4, blank=True, verbose_name=_("last 4 digits"))
    phone_masked = models.CharField(max_length=30, blank=True, verbose_name=_("phone masked"))
    operator = models.CharField(max_length=30, blank=True, verbose_name=_("operator"))
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("exp month"))
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("exp year"))
    # The provider's fingerprint of the card (or the phone number): the same one is saved once.
    fingerprint = models.CharField(max_length=120, blank=True, verbose_name=_("fingerprint"))
    is_default = models.BooleanField(default=False, verbose_name=_("is default"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")
        ordering = ["-is_default", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization"], condition=Q(is_default=True), name="paymentmethod_one_default"),
            models.UniqueConstraint(fields=["provider", "provider_token"], name="paymentmethod_unique_token"),
            models.UniqueConstraint(
                fields=["organization", "provider", "fingerprint"],
                condition=~Q(fingerprint=""),
                name="paymentmethod_once_per_fingerprint",
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        if self.kind == MethodKind.MOBILE_MONEY:
            return f"{MOBILE_OPERATORS.get(self.operator, 'Mobile money')} {self.phone_masked}"
        expiry = f" (exp. {self.exp_month:02d}/{self.exp_year})" if self.exp_month and self.exp_year else ""
        return f"{self.brand or 'Card'} •••• {self.last4}{expiry}"


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("payment status", "Pending")
        PROCESSING = "processing", pgettext_lazy("payment status", "Processing")
        SUCCEEDED = "succeeded", pgettext_lazy("payment status", "Succeeded")
        FAILED = "failed", pgettext_lazy("payment status", "Failed")
        CANCELED = "canceled", pgettext_lazy("payment status", "Canceled")
        REFUNDED = "refunded", pgettext_lazy("payment status", "Refunded")
        PARTIALLY_REFUNDED = "partially_refunded", pgettext_lazy("payment status", "Partially refunded")

    IN_FLIGHT = (Status.PENDING, Status.PROCESSING)
    SETTLED = (Status.SUCCEEDED, Status.REFUNDED, Status.PARTIALLY_REFUNDED)

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="payments", verbose_name=_("organization")
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name=_("invoice"))
    amount = models.BigIntegerField(verbose_name=_("amount"))
    currency = models.CharField(max_length=3, choices=CURRENCIES, verbose_name=_("currency"))
    provider = models.CharField(max_length=20, choices=Provider.choices, verbose_name=_("provider"))
    method = models.CharField(max_length=20, choices=MethodKind.choices, verbose_name=_("method"))
    payment_method = models.ForeignKey(
        PaymentMethod, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments", verbose_name=_("payment method")
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True, verbose_name=_("status")
    )
    attempt = models.PositiveSmallIntegerField(default=1, verbose_name=_("attempt"))
    provider_reference = models.CharField(max_length=120, null=True, blank=True, verbose_name=_("provider reference"))
    failure_code = models.CharField(max_length=60, blank=True, verbose_name=_("failure code"))
    failure_message = models.CharField(max_length=255, blank=True, verbose_name=_("failure message"))
    metadata = models.JSONField(default=dict, blank=True, verbose_name=_("metadata"))
    amount_refunded = models.BigIntegerField(default=0, verbose_name=_("amount refunded"))
    # What the provider reports it captured: differs from `amount` (what was asked) only when the
    # payment did not reconcile (a PaymentDiscrepancy says how). Empty until it succeeds.
    amount_received = models.BigIntegerField(null=True, blank=True, verbose_name=_("amount received"))
    currency_received = models.CharField(max_length=3, blank=True, verbose_name=_("currency received"))
    idempotency_key = models.CharField(max_length=120, blank=True, verbose_name=_("idempotency key"))
    request_fingerprint = models.CharField(max_length=64, blank=True, verbose_name=_("request fingerprint"))
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="payment_unique_idempotency_key",
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=Q(provider_reference__isnull=False),
                name="payment_unique_reference",
            ),
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(status__in=["pending", "processing"]), name="payment_one_in_flight_per_invoice"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=Coalesce("amount_received", "amount")),
                name="payment_refund_within_amount",
            ),
        ]

    def __str__(self):
        return f"Payment #{self.pk} of {self.invoice} ({self.status})"

    @property
    def failure_reason(self):
        """Why it failed, in the reader's language ("" if it has not failed)."""
        if not self.failure_code:
            return ""
        if self.failure_code in FAILURE_REASONS:
            return FAILURE_REASONS[self.failure_code]
        if self.failure_message:
            return _("Reason given by the payment provider: %(words)s") % {"words": self.failure_message}
        return _("The payment provider gave no reason.")

    @property
    def received(self):
        """(amount, currency) the provider captured; what was asked until it reports otherwise."""
        return (
            self.amount if self.amount_received is None else self.amount_received,
            self.currency_received or self.currency,
        )

    @property
    def refundable(self):
        """What may still go back through the provider (refunds being made aside: see payments.services)."""
        return self.received[0] - self.amount_refunded if self.status in self.SETTLED else 0

    @property
    def next_action_url(self):
        return self.metadata.get("next_action_url", "")


PAYMENT_MACHINE = StateMachine(
    {
        "pending": {"processing", "succeeded", "failed", "canceled"},
        "processing": {"succeeded", "failed", "canceled"},
        # The provider's word is the truth: money it captured after we gave up (a mobile-money
        # confirmation after the time-out, a cancellation it never saw) is recorded, never lost.
        "failed": {"succeeded"},
        "canceled": {"succeeded"},
        "succeeded": {"refunded", "partially_refunded"},
        "partially_refunded": {"partially_refunded", "refunded"},
    }
)


class Refund(models.Model):
    """Money going back through the provider: written `pending` and committed before the provider
    is called (no lock is held during the call), then `succeeded` with its credit note (a refund of
    an invoice) or its balance entry (a refund of the customer balance), or `failed`."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("refund status", "Pending")
        SUCCEEDED = "succeeded", pgettext_lazy("refund status", "Succeeded")
        FAILED = "failed", pgettext_lazy("refund status", "Failed")

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Refund of an invoice")
        BALANCE = "balance", _("Refund of the customer balance")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment"))
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.INVOICE, verbose_name=_("kind"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True, verbose_name=_("status")
    )
    amount = models.BigIntegerField(verbose_name=_("amount"))
    currency = models.CharField(max_length=3, choices=CURRENCIES, blank=True, verbose_name=_("currency"))
    provider_reference = models.CharField(max_length=120, blank=True, verbose_name=_("provider reference"))
    credit_note = models.OneToOneField(
        "billing.CreditNote",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refund",
        verbose_name=_("credit note"),
    )
    reason = models.CharField(max_length=300, verbose_name=_("reason"))
    failure_message = models.CharField(max_length=255, blank=True, verbose_name=_("failure message"))
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="succeeded", kind="invoice", credit_note__isnull=True),
                name="refund_of_invoice_has_credit_note",
            ),
        ]

    def __str__(self):
        return f"Refund {self.provider_reference or self.pk} of {self.amount}"


REFUND_MACHINE = StateMachine({"pending": {"succeeded", "failed"}})


class PaymentDiscrepancy(models.Model):
    """A captured amount that did not match what was asked: recorded, never refused. What reached
    the invoice and what went to the customer balance are kept for staff, who mark it resolved."""

    class Kind(models.TextChoices):
        SHORT = "short", _("Less than asked")
        LONG = "long", _("More than asked")
        CURRENCY = "currency", _("Another currency")
        NOT_PAYABLE = "not_payable", _("Invoice no longer payable")
        REDUCED = "reduced", _("Amount due lowered meanwhile")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="discrepancies", verbose_name=_("payment"))
    kind = models.CharField(max_length=12, choices=Kind.choices, verbose_name=_("kind"))
    expected_amount = models.BigIntegerField(verbose_name=_("expected amount"))
    expected_currency = models.CharField(max_length=3, verbose_name=_("expected currency"))
    received_amount = models.BigIntegerField(verbose_name=_("received amount"))
    received_currency = models.CharField(max_length=3, verbose_name=_("received currency"))
    applied_to_invoice = models.BigIntegerField(default=0, verbose_name=_("applied to invoice"))
    credited_to_balance = models.BigIntegerField(default=0, verbose_name=_("credited to balance"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    resolved_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("resolved by")
    )
    resolution = models.CharField(max_length=300, blank=True, verbose_name=_("resolution"))

    class Meta:
        verbose_name = _("payment discrepancy")
        verbose_name_plural = _("payment discrepancies")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["payment"], name="paymentdiscrepancy_once_per_payment")]

    def __str__(self):
        return f"{self.get_kind_display()}: payment {self.payment_id}"


class WebhookEvent(models.Model):
    """A provider's event, stored (unique by provider id) after its signature is checked and before it is acted on."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    provider = models.CharField(max_length=20, choices=Provider.choices, verbose_name=_("provider"))
    event_id = models.CharField(max_length=120, verbose_name=_("event id"))
    event_type = models.CharField(max_length=80, verbose_name=_("event type"))
    payload = models.JSONField(verbose_name=_("payload"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.RECEIVED, db_index=True, verbose_name=_("status")
    )
    outcome = models.TextField(blank=True, verbose_name=_("outcome"))
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_events", verbose_name=_("payment")
    )
    deliveries = models.PositiveIntegerField(
        default=1, help_text=_("How many times the provider sent it"), verbose_name=_("deliveries")
    )
    received_at = models.DateTimeField(auto_now_add=True, verbose_name=_("received at"))
    processed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("processed at"))

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="webhookevent_unique_provider_id")]

    def __str__(self):
        return f"{self.provider} {self.event_type} {self.event_id}"
