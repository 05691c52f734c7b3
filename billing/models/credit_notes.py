"""Credit notes: numbered, never deleted; their lines share the invoice lines' columns."""

from django.db import models
from django.db.models import Q

from billing.models.invoicing import Invoice, LineBase
from billing.models.plans import CURRENCIES


class CreditNote(models.Model):
    """A correction or refund of an invoice, with its own number (AV-YYYY-NNNNNN), lines and PDF."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="credit_notes")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCIES)
    locale = models.CharField(max_length=5, default="en")
    reason = models.CharField(max_length=300)
    refund_reference = models.CharField(max_length=120, blank=True, help_text="The provider refund it records, if any")
    net_total = models.BigIntegerField()
    vat_total = models.BigIntegerField()
    total = models.BigIntegerField()
    issue_date = models.DateField()
    seller = models.JSONField(default=dict)
    buyer = models.JSONField(default=dict)
    pdf_file = models.CharField(max_length=255, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="creditnote_unique_year_sequence"),
            models.CheckConstraint(condition=Q(total__gt=0), name="creditnote_total_positive"),
        ]

    def __str__(self):
        return self.number


class CreditNoteLine(LineBase):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")

    def __str__(self):
        return self.description
