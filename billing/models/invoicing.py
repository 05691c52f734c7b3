"""Invoices, their lines and numbering, and the charges waiting for the next subscription invoice.

Money is integer minor units plus an ISO currency (core.money). Each stateful model declares its
transitions in its module; billing.services holds one function per transition.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.models.plans import CURRENCIES
from billing.models.subscriptions import Subscription
from core.errors import Conflict
from core.state import StateMachine


class InvoiceQuerySet(models.QuerySet):
    def delete(self):
        if self.exclude(status=Invoice.Status.DRAFT).exists():
            raise Conflict(_("A finalized invoice cannot be deleted: issue a credit note."), code="invoice_finalized")
        return super().delete()

    def update(self, **kwargs):
        """Only payment-life columns of finalized invoices (Django's own SET_NULL included)."""
        frozen = set(kwargs) - Invoice.MUTABLE_AFTER_FINALIZATION - {"subscription", "created_by"}
        if (frozen or kwargs.get("status") == Invoice.Status.DRAFT) and self.exclude(status=Invoice.Status.DRAFT).exists():
            raise Conflict(
                _("A finalized invoice cannot be edited (%(fields)s): issue a credit note.")
                % {"fields": ", ".join(sorted(frozen or ["status"]))},
                code="invoice_finalized",
            )
        return super().update(**kwargs)

    def locked(self, invoice):
        """`invoice` read again with its row locked until the transaction ends (its own row only:
        PostgreSQL refuses FOR UPDATE on the nullable side of a join)."""
        return self.select_for_update(of=("self",)).select_related("organization", "subscription").get(pk=invoice.pk)


class TaxBasis(models.TextChoices):
    """Why a line bears its VAT rate (decided by billing.tax), printed as a legal mention."""

    DOMESTIC = "fr", _("French VAT")
    REVERSE_CHARGE = "eu_reverse_charge", _("EU business: reverse charge")
    EU_CONSUMER_FR = "eu_consumer_fr", _("EU consumer: French VAT (under the distance-sales threshold)")
    EU_CONSUMER_OSS = "eu_consumer_oss", _("EU consumer: destination country's VAT (one-stop shop)")
    OUTSIDE_EU_BUSINESS = "outside_eu_business", _("Business outside the EU: out of scope of French VAT")
    OUTSIDE_EU_CONSUMER = "outside_eu_consumer", _("Consumer outside the EU: out of scope of French VAT")

    @staticmethod
    def category(basis):
        """The EN 16931 VAT category: S standard, AE reverse charge, G outside the EU (not charged)."""
        return {"eu_reverse_charge": "AE", "outside_eu_business": "G", "outside_eu_consumer": "G"}.get(basis, "S")


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("invoice status", "Draft")
        OPEN = "open", pgettext_lazy("invoice status", "Open")
        PAID = "paid", pgettext_lazy("invoice status", "Paid")
        VOID = "void", pgettext_lazy("invoice status", "Void")
        UNCOLLECTIBLE = "uncollectible", pgettext_lazy("invoice status", "Uncollectible")

    class Source(models.TextChoices):
        ORDER = "order", _("Order")
        SUBSCRIPTION = "subscription", _("Subscription")
        ADDON = "addon", _("Add-on")
        MANUAL = "manual", _("Manual")

    # What may still change once the invoice is finalized: its payment life, never its content.
    MUTABLE_AFTER_FINALIZATION = frozenset(
        {
            "status",
            "amount_paid",
            "amount_credited",
            "balance_applied",
            "paid_at",
            "voided_at",
            "uncollectible_at",
            "pdf_file",
            "issued_notified_at",
            "overdue_notified_at",
            "payment_attempts",
            "last_payment_error",
            "last_payment_attempt_at",
            "payment_references",
            "updated_at",
        }
    )

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("organization")
    )
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices", verbose_name=_("subscription")
    )
    status = models.CharField(
        max_length=14, choices=Status.choices, default=Status.DRAFT, db_index=True, verbose_name=_("status")
    )
    number = models.CharField(max_length=20, null=True, blank=True, unique=True, verbose_name=_("number"))
    year = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("year"))
    sequence = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("sequence"))
    currency = models.CharField(max_length=3, choices=CURRENCIES, verbose_name=_("currency"))
    locale = models.CharField(max_length=5, default="en", verbose_name=_("locale"))
    source_type = models.CharField(max_length=12, choices=Source.choices, default=Source.MANUAL, verbose_name=_("source type"))
    source_id = models.CharField(max_length=64, blank=True, db_index=True, verbose_name=_("source id"))
    # The subscription period this invoice opens (renewals, first periods): one invoice per period.
    period_start = models.DateTimeField(null=True, blank=True, verbose_name=_("period start"))
    coupon_code = models.CharField(max_length=50, blank=True, verbose_name=_("coupon code"))
    subtotal = models.BigIntegerField(
        default=0, help_text=_("Sum of quantity × unit price, before discounts, tax excluded"), verbose_name=_("subtotal")
    )
    discount_total = models.BigIntegerField(default=0, verbose_name=_("discount total"))
    net_total = models.BigIntegerField(default=0, help_text=_("Tax excluded (HT)"), verbose_name=_("net total"))
    vat_total = models.BigIntegerField(default=0, verbose_name=_("VAT total"))
    total = models.BigIntegerField(default=0, help_text=_("Tax included (TTC)"), verbose_name=_("total"))
    # Money received for it and kept (refunds and credits moved to the balance taken off), the
    # customer balance applied to it included.
    amount_paid = models.BigIntegerField(default=0, verbose_name=_("amount paid"))
    amount_credited = models.BigIntegerField(default=0, verbose_name=_("amount credited"))
    balance_applied = models.BigIntegerField(
        default=0, help_text=_("Part of amount_paid taken from the customer balance"), verbose_name=_("balance applied")
    )
    issue_date = models.DateField(null=True, blank=True, verbose_name=_("issue date"))
    due_date = models.DateField(null=True, blank=True, verbose_name=_("due date"))
    payment_terms_days = models.PositiveSmallIntegerField(default=14, verbose_name=_("payment terms days"))
    # An invoice in another currency also states its VAT in euros (French rule BR-FR-CO-12), at the
    # rate recorded here at finalization (billing.tax.eur_rate: XOF's fixed parity).
    eur_rate = models.DecimalField(
        max_digits=12,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("Units of the currency for 1 EUR"),
        verbose_name=_("EUR rate"),
    )
    vat_total_eur = models.BigIntegerField(
        null=True, blank=True, help_text=_("The VAT total in euro cents"), verbose_name=_("VAT total (EUR)")
    )
    seller = models.JSONField(
        default=dict, blank=True, help_text=_("Copied from settings.SELLER at finalization"), verbose_name=_("seller")
    )
    buyer = models.JSONField(
        default=dict, blank=True, help_text=_("Copied from the organization at finalization"), verbose_name=_("buyer")
    )
    pdf_file = models.CharField(
        max_length=255, blank=True, help_text=_("Storage name of the rendered PDF"), verbose_name=_("PDF file")
    )
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))
    voided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("voided at"))
    uncollectible_at = models.DateTimeField(null=True, blank=True, verbose_name=_("uncollectible at"))
    issued_notified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("issued notified at"))
    overdue_notified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("overdue notified at"))
    payment_attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("payment attempts"))
    last_payment_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last payment attempt at"))
    last_payment_error = models.CharField(max_length=255, blank=True, verbose_name=_("last payment error"))
    payment_references = models.JSONField(default=list, blank=True, verbose_name=_("payment references"))
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["source_type", "source_id"]),
            models.Index(fields=["status", "due_date"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_unique_year_sequence"),
            models.UniqueConstraint(
                fields=["subscription", "period_start"],
                condition=Q(period_start__isnull=False),
                name="invoice_one_per_subscription_period",
            ),
            models.CheckConstraint(
                condition=(Q(status="draft", number__isnull=True) | (~Q(status="draft") & Q(number__isnull=False))),
                name="invoice_number_iff_finalized",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_positive"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="invoice_paid_positive"),
            models.CheckConstraint(
                condition=Q(balance_applied__gte=0) & Q(balance_applied__lte=models.F("total")),
                name="invoice_balance_applied_within_total",
            ),
            models.CheckConstraint(
                condition=Q(amount_credited__gte=0) & Q(amount_credited__lte=models.F("total")),
                name="invoice_credit_within_total",
            ),
        ]

    def __str__(self):
        return self.number or f"Draft #{self.pk}"

    def save(self, *args, **kwargs):
        changed = self._frozen_changes()
        if changed:
            raise Conflict(
                _("Invoice %(number)s is finalized and cannot be edited (%(fields)s): issue a credit note.")
                % {"number": self.number, "fields": ", ".join(changed)},
                code="invoice_finalized",
            )
        super().save(*args, **kwargs)
        self._loaded = {f.attname: self.__dict__[f.attname] for f in self._meta.concrete_fields if f.attname in self.__dict__}

    def delete(self, *args, **kwargs):
        if self.status != Invoice.Status.DRAFT or Invoice.objects.filter(pk=self.pk).exclude(status="draft").exists():
            raise Conflict(_("A finalized invoice cannot be deleted: issue a credit note."), code="invoice_finalized")
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded = dict(zip(field_names, values, strict=True))
        return instance

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._loaded = {f.attname: self.__dict__[f.attname] for f in self._meta.concrete_fields if f.attname in self.__dict__}

    def _frozen_changes(self):
        loaded = getattr(self, "_loaded", None)
        if self.pk and (not loaded or loaded.get("status", Invoice.Status.DRAFT) == Invoice.Status.DRAFT):
            # Loaded as a draft (or not loaded): another process may have finalized it since.
            loaded = Invoice.objects.filter(pk=self.pk).values(*[f.attname for f in self._meta.concrete_fields]).first()
        if not loaded or loaded.get("status", Invoice.Status.DRAFT) == Invoice.Status.DRAFT:
            return []
        return [
            f.attname
            for f in self._meta.concrete_fields
            if f.attname in loaded
            and f.name not in self.MUTABLE_AFTER_FINALIZATION
            and getattr(self, f.attname) != loaded[f.attname]
        ]

    @property
    def is_finalized(self):
        return self.status != Invoice.Status.DRAFT

    @property
    def amount_due(self):
        if self.status in (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE):
            return max(self.total - self.amount_paid - self.amount_credited, 0)
        return 0

    @property
    def is_overdue(self):
        """Still asking for money after its due date (in the active time zone: the customer's)."""
        return bool(self.amount_due) and self.due_date is not None and self.due_date < timezone.localdate()

    @property
    def amount_paid_by_payment(self):
        """What payments (not the customer balance) paid and the invoice kept."""
        return max(self.amount_paid - self.balance_applied, 0)

    @property
    def creditable(self):
        return self.total - self.amount_credited


class PendingCharge(models.Model):
    """A charge another app adds to the organization's next subscription invoice (an add-on's
    renewal): billed once, by the renewal that picks it up, or on a final invoice when the
    subscription ends first. `key` makes adding the same charge twice a no-op."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="pending_charges", verbose_name=_("organization")
    )
    currency = models.CharField(max_length=3, choices=CURRENCIES, verbose_name=_("currency"))
    description = models.CharField(max_length=300, verbose_name=_("description"))
    product_ref = models.CharField(max_length=80, blank=True, verbose_name=_("product ref"))
    quantity = models.PositiveIntegerField(default=1, verbose_name=_("quantity"))
    unit_amount = models.PositiveBigIntegerField(help_text=_("Minor units, tax excluded"), verbose_name=_("unit amount"))
    source_type = models.CharField(max_length=12, choices=Invoice.Source.choices, verbose_name=_("source type"))
    source_id = models.CharField(max_length=64, verbose_name=_("source id"))
    key = models.CharField(max_length=64, help_text=_("Unique per source, e.g. the period it pays for"), verbose_name=_("key"))
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="pending_charges", verbose_name=_("invoice")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("pending charge")
        verbose_name_plural = _("pending charges")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id", "key"], name="pendingcharge_once_per_source_key"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="pendingcharge_quantity_positive"),
        ]
        indexes = [models.Index(fields=["organization", "invoice"])]

    def __str__(self):
        return f"{self.description} ({'billed' if self.invoice_id else 'pending'})"

    @property
    def amount(self):
        return self.quantity * self.unit_amount


INVOICE_MACHINE = StateMachine(
    {
        "draft": {"open", "void"},
        "open": {"paid", "void", "uncollectible"},
        "uncollectible": {"paid", "void"},
    }
)


class LineBase(models.Model):
    """A priced line: amounts rounded once, here, so every total is a sum of rounded lines."""

    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))
    description = models.CharField(max_length=300, verbose_name=_("description"))
    product_ref = models.CharField(max_length=80, blank=True, verbose_name=_("product ref"))
    quantity = models.PositiveIntegerField(default=1, verbose_name=_("quantity"))
    unit_amount = models.BigIntegerField(
        help_text=_("Minor units, tax excluded; negative for a credit (proration)"), verbose_name=_("unit amount")
    )
    discount_amount = models.BigIntegerField(default=0, verbose_name=_("discount amount"))
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, verbose_name=_("VAT rate"))
    # Why this rate (billing.tax): the legal basis documents print and Factur-X's category.
    tax_basis = models.CharField(max_length=24, choices=TaxBasis.choices, verbose_name=_("tax basis"))
    net_amount = models.BigIntegerField(help_text=_("quantity × unit − discount, tax excluded"), verbose_name=_("net amount"))
    vat_amount = models.BigIntegerField(verbose_name=_("VAT amount"))
    total_amount = models.BigIntegerField(verbose_name=_("total amount"))

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    @property
    def gross_amount(self):
        return self.quantity * self.unit_amount

    @property
    def vat_category(self):
        return TaxBasis.category(self.tax_basis)


class InvoiceLineQuerySet(models.QuerySet):
    def _check_drafts(self):
        if self.exclude(invoice__status=Invoice.Status.DRAFT).exists():
            raise Conflict(_("The lines of a finalized invoice cannot change."), code="invoice_finalized")

    def update(self, **kwargs):
        self._check_drafts()
        return super().update(**kwargs)

    def delete(self):
        self._check_drafts()
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        invoices = {line.invoice_id for line in objs}
        if Invoice.objects.filter(pk__in=invoices).exclude(status=Invoice.Status.DRAFT).exists():
            raise Conflict(_("The lines of a finalized invoice cannot change."), code="invoice_finalized")
        return super().bulk_create(objs, *args, **kwargs)


class InvoiceLine(LineBase):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice"))

    objects = InvoiceLineQuerySet.as_manager()

    class Meta(LineBase.Meta):
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        constraints = [
            models.CheckConstraint(condition=Q(discount_amount__gte=0), name="invoiceline_discount_positive"),
            models.CheckConstraint(condition=Q(vat_rate__gte=0) & Q(vat_rate__lte=100), name="invoiceline_vat_rate_range"),
        ]

    def __str__(self):
        return self.description

    def save(self, *args, **kwargs):
        self._check_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_draft()
        return super().delete(*args, **kwargs)

    def _check_draft(self):
        invoice = Invoice.objects.only("status", "number").get(pk=self.invoice_id)
        if invoice.is_finalized:
            raise Conflict(
                _("Invoice %(number)s is finalized and its lines cannot change.") % {"number": invoice.number},
                code="invoice_finalized",
            )


class NumberSequence(models.Model):
    """The last number given per document kind and year; its row lock serializes finalizations."""

    prefix = models.CharField(max_length=5, verbose_name=_("prefix"))
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    last = models.PositiveIntegerField(default=0, verbose_name=_("last"))
    last_date = models.DateField(
        null=True,
        blank=True,
        help_text=_("Issue date of the last number: the next is never earlier"),
        verbose_name=_("last date"),
    )

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="numbersequence_unique_prefix_year")]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last}"


class DistanceSalesYear(models.Model):
    """The seller's EU distance sales to consumers in a calendar year, net, in euro cents: the
    running total the one-stop-shop threshold is measured against (billing.tax)."""

    year = models.PositiveSmallIntegerField(unique=True, verbose_name=_("year"))
    net_eur_cents = models.BigIntegerField(default=0, verbose_name=_("net amount (euro cents)"))

    class Meta:
        verbose_name = _("distance sales year")
        verbose_name_plural = _("distance sales years")

    def __str__(self):
        return f"{self.year}: {self.net_eur_cents}"
