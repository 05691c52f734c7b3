"""Credit notes: numbered, never deleted; their lines share the invoice lines' columns."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="credit_notes", verbose_name=_("organization")
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes", verbose_name=_("invoice"))
    number = models.CharField(max_length=20, unique=True, verbose_name=_("number"))
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    sequence = models.PositiveIntegerField(verbose_name=_("sequence"))
    currency = models.CharField(max_length=3, choices=CURRENCIES, verbose_name=_("currency"))
    locale = models.CharField(max_length=5, default="en", verbose_name=_("locale"))
    reason = models.CharField(max_length=300, verbose_name=_("reason"))
    refund_reference = models.CharField(
        max_length=120, blank=True, help_text=_("The provider refund it records, if any"), verbose_name=_("refund reference")
    )
    net_total = models.BigIntegerField(verbose_name=_("net total"))
    vat_total = models.BigIntegerField(verbose_name=_("VAT total"))
    total = models.BigIntegerField(verbose_name=_("total"))
    issue_date = models.DateField(verbose_name=_("issue date"))
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
    seller = models.JSONField(default=dict, verbose_name=_("seller"))
    buyer = models.JSONField(default=dict, verbose_name=_("buyer"))
    pdf_file = models.CharField(max_length=255, blank=True, verbose_name=_("PDF file"))
    notified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("notified at"))
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    # What may change once issued (the rendered PDF, the notification), the rest never: a numbered
    # note is corrected by another one. The database holds the same rule (migration 0009).
    MUTABLE = frozenset({"pdf_file", "notified_at", "created_by"})

    objects = CreditNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
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
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines", verbose_name=_("credit note"))

    objects = CreditNoteLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit note line")
        verbose_name_plural = _("credit note lines")

    def __str__(self):
        return self.description

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise _issued("A credit note's lines")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _issued("A credit note's lines")
