"""Credit notes: numbered, never deleted; their lines share the invoice lines' columns."""

from django.db import models
from django.db.models import Q

from billing.models.invoicing import Invoice, LineBase
from billing.models.plans import CURRENCIES
from core.errors import Conflict


def _issued(what):
    return Conflict(f"{what} cannot change once issued: issue another credit note.", code="credit_note_issued")


class CreditNoteQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if set(kwargs) - CreditNote.MUTABLE:
            raise _issued("A credit note")
        return super().update(**kwargs)

    def delete(self):
        raise _issued("A credit note")


class CreditNoteLineQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise _issued("A credit note's lines")

    def delete(self):
        raise _issued("A credit note's lines")


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
    eur_rate = models.DecimalField(
        max_digits=12, decimal_places=6, null=True, blank=True, help_text="Units of the currency for 1 EUR"
    )
    vat_total_eur = models.BigIntegerField(null=True, blank=True, help_text="The VAT total in euro cents")
    seller = models.JSONField(default=dict)
    buyer = models.JSONField(default=dict)
    pdf_file = models.CharField(max_length=255, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # What may change once issued (the rendered PDF, the notification), the rest never: a numbered
    # note is corrected by another one. The database holds the same rule (migration 0009).
    MUTABLE = frozenset({"pdf_file", "notified_at", "created_by"})

    objects = CreditNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="creditnote_unique_year_sequence"),
            models.CheckConstraint(condition=Q(total__gt=0), name="creditnote_total_positive"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            current = CreditNote.objects.filter(pk=self.pk).values(*self._frozen_attnames()).first()
            if current and any(getattr(self, name) != value for name, value in current.items()):
                raise _issued(f"Credit note {self.number}")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _issued(f"Credit note {self.number}")

    def _frozen_attnames(self):
        return [f.attname for f in self._meta.concrete_fields if f.name not in self.MUTABLE]


class CreditNoteLine(LineBase):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")

    objects = CreditNoteLineQuerySet.as_manager()

    def __str__(self):
        return self.description

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise _issued("A credit note's lines")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _issued("A credit note's lines")
