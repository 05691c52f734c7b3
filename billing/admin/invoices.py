"""Invoices, credit notes, their numbering and pending charges. Finalized invoices and credit notes
are read-only: corrections go through a credit note."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from billing import services, views
from billing.admin.actions import INVOICE_AUDIT, run_action
from billing.models import (
    CreditNote,
    CreditNoteLine,
    DunningEvent,
    Invoice,
    InvoiceLine,
    NumberSequence,
    PendingCharge,
)
from core import audit, permissions
from core.admin_mixins import AmountsAsMoneyMixin, NoAddOrDeleteMixin
from core.errors import DomainError
from core.money import format_money, to_minor


class InvoiceLineInline(AmountsAsMoneyMixin, NoAddOrDeleteMixin, admin.TabularInline):
    model = InvoiceLine
    extra = 0
    amount_fields = ["unit_amount", "discount_amount", "net_amount", "vat_amount", "total_amount"]
    currency_path = "invoice.currency"
    fields = [
        "description", "quantity", "unit_amount", "discount_amount", "vat_rate", "tax_basis", "net_amount", "vat_amount",
        "total_amount",
    ]  # fmt: skip
    readonly_fields = fields


class CreditNoteInline(AmountsAsMoneyMixin, NoAddOrDeleteMixin, admin.TabularInline):
    model = CreditNote
    extra = 0
    amount_fields = ["total"]
    fields = ["number", "issue_date", "total", "reason", "refund_reference"]
    readonly_fields = fields
    show_change_link = True


class DunningEventInline(admin.TabularInline):
    """The dunning steps taken on the invoice: a record, read-only."""

    model = DunningEvent
    extra = 0
    fields = ["offset_days", "action", "outcome", "run_date", "done_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CreditNoteForm(forms.Form):
    amount = forms.DecimalField(min_value=0, help_text=_("Tax included, in major units (e.g. 12.50 EUR or 5000 XOF)"))
    reason = forms.CharField(max_length=300)


@admin.register(Invoice)
class InvoiceAdmin(AmountsAsMoneyMixin, admin.ModelAdmin):
    amount_fields = [
        "subtotal", "discount_total", "net_total", "vat_total", "total", "amount_paid", "amount_credited", "balance_applied",
    ]  # fmt: skip
    euro_fields = ["vat_total_eur"]
    list_display = [
        "__str__",
        "organization",
        "status",
        "total_display",
        "amount_due_display",
        "issue_date",
        "due_date",
        "source",
    ]
    list_filter = ["status", "currency", "source_type", "issue_date"]
    search_fields = ["number", "organization__name", "organization__slug", "source_id"]
    autocomplete_fields = ["organization"]
    date_hierarchy = "created_at"
    list_select_related = ["organization"]
    inlines = [InvoiceLineInline, CreditNoteInline, DunningEventInline]
    actions = ["finalize", "void", "mark_uncollectible", "resend", "credit_remaining"]
    exclude = ["subscription", "created_by"]
    readonly_fields = [f.name for f in Invoice._meta.concrete_fields if f.name not in ("subscription", "created_by")]
    readonly_fields += ["pdf_link"]

    def has_add_permission(self, request):
        return False  # invoices are created by services (subscriptions, orders, add-ons)

    def has_credit_note_permission(self, request):
        return request.user.has_perm(permissions.CREDIT_NOTE)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and not obj.is_finalized

    def get_urls(self):
        return [
            path("<int:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name="billing_invoice_pdf"),
            path("<int:pk>/credit-note/", self.admin_site.admin_view(self.credit_note_view), name="billing_invoice_credit_note"),
            *super().get_urls(),
        ]

    @admin.display(description=_("Total"))
    def total_display(self, obj):
        return format_money(obj.total, obj.currency)

    @admin.display(description=pgettext_lazy("amount", "Due"))
    def amount_due_display(self, obj):
        return format_money(obj.amount_due, obj.currency)

    @admin.display(description=_("Source"))
    def source(self, obj):
        return f"{obj.source_type}:{obj.source_id}"

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj):
        if not obj.pdf_file:
            return _("not rendered yet")
        credit = reverse("admin:billing_invoice_credit_note", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:billing_invoice_pdf", args=[obj.pk]),
            _("Download"),
            credit,
            _("Issue a credit note"),
        )

    def pdf_view(self, request, pk):
        permissions.require(request, permissions.VIEW_INVOICES)
        return views._pdf_response(get_object_or_404(Invoice, pk=pk))

    def credit_note_view(self, request, pk):
        invoice = get_object_or_404(Invoice, pk=pk)
        permissions.require(request, permissions.CREDIT_NOTE, target=invoice)
        form = CreditNoteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            credited_before = invoice.amount_credited
            try:
                amount = to_minor(form.cleaned_data["amount"], invoice.currency)
                note = services.issue_credit_note(
                    invoice=invoice, amount=amount, reason=form.cleaned_data["reason"], user=request.user
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                invoice.refresh_from_db()
                audit.record(
                    actor=request.user,
                    action="credit_note_issued",
                    target=invoice,
                    before={"amount_credited": credited_before},
                    after={"amount_credited": invoice.amount_credited, "credit_note": note.number, "amount": note.total},
                )
                self.message_user(request, _("Credit note %(number)s issued.") % {"number": note.number}, messages.SUCCESS)
                return redirect("admin:billing_invoice_change", invoice.pk)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "invoice": invoice,
            "opts": self.model._meta,
            "creditable": format_money(invoice.creditable, invoice.currency),
            "title": _("Credit note for %(invoice)s") % {"invoice": invoice},
        }
        return render(request, "billing/admin/credit_note_form.html", context)

    @admin.action(description=_("Finalize (number, PDF, email)"), permissions=["change"])
    def finalize(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            ngettext_lazy("%(count)d invoice finalized.", "%(count)d invoices finalized.", "count"),
            lambda i: services.finalize_invoice(invoice=i),
        )

    @admin.action(description=_("Void (credits what remains)"), permissions=["change"])
    def void(self, request, queryset):
        if request.POST.get("confirmed") != "yes":  # voiding cannot be undone: ask first
            context = {
                **self.admin_site.each_context(request),
                "title": _("Void these invoices?"),
                "opts": self.model._meta,
                "invoices": queryset,
            }
            return render(request, "billing/admin/void_confirm.html", context)
        run_action(
            self,
            request,
            queryset,
            ngettext_lazy("%(count)d invoice voided.", "%(count)d invoices voided.", "count"),
            lambda i: services.void_invoice(invoice=i, reason=gettext("Voided by staff"), user=request.user),
            "invoice_voided",
            INVOICE_AUDIT,
        )

    @admin.action(description=_("Mark uncollectible"), permissions=["change"])
    def mark_uncollectible(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            ngettext_lazy("%(count)d invoice marked uncollectible.", "%(count)d invoices marked uncollectible.", "count"),
            lambda i: services.mark_uncollectible(invoice=i),
            "invoice_uncollectible",
            INVOICE_AUDIT,
        )

    @admin.action(description=_("Resend the invoice email"), permissions=["change"])
    def resend(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            ngettext_lazy("%(count)d invoice sent again.", "%(count)d invoices sent again.", "count"),
            lambda i: services.resend_invoice(invoice=i),
        )

    @admin.action(description=_("Issue a credit note for all that remains"), permissions=["credit_note"])
    def credit_remaining(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            ngettext_lazy("%(count)d invoice credited.", "%(count)d invoices credited.", "count"),
            lambda i: services.issue_credit_note(invoice=i, reason=gettext("Credited by staff"), user=request.user),
            "credit_note_issued",
            INVOICE_AUDIT,
        )


class CreditNoteLineInline(InvoiceLineInline):
    model = CreditNoteLine
    currency_path = "credit_note.currency"


@admin.register(CreditNote)
class CreditNoteAdmin(AmountsAsMoneyMixin, admin.ModelAdmin):
    amount_fields = ["net_total", "vat_total", "total"]
    euro_fields = ["vat_total_eur"]
    list_display = ["number", "invoice", "organization", "total", "currency", "issue_date", "refund_reference"]
    list_filter = ["currency", "issue_date"]
    search_fields = ["number", "invoice__number", "organization__name", "refund_reference"]
    date_hierarchy = "created_at"
    list_select_related = ["invoice", "organization"]
    inlines = [CreditNoteLineInline]
    exclude = ["created_by"]
    readonly_fields = [f.name for f in CreditNote._meta.concrete_fields if f.name != "created_by"]

    def has_add_permission(self, request):
        return False  # issued from an invoice (action or form), never typed in

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NumberSequence)
class NumberSequenceAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
    list_display = ["prefix", "year", "last"]
    readonly_fields = ["prefix", "year", "last"]


@admin.register(PendingCharge)
class PendingChargeAdmin(AmountsAsMoneyMixin, NoAddOrDeleteMixin, admin.ModelAdmin):
    """Charges waiting for (or billed on) a subscription invoice: add-on renewals."""

    list_display = ["description", "organization", "quantity", "unit_amount", "currency", "invoice", "created_at"]
    amount_fields = ["unit_amount"]
    list_filter = [("invoice", admin.EmptyFieldListFilter), "source_type", "currency"]
    search_fields = ["description", "organization__name", "invoice__number"]
    list_select_related = ["organization", "invoice"]
    readonly_fields = [f.name for f in PendingCharge._meta.concrete_fields]
