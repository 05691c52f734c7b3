"""The customer balance (read-only ledger; staff refund it through the provider) and the payment
discrepancies that webhooks recorded (read-only; staff mark them resolved)."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing import payments, selectors
from billing.models import BalanceAccount, BalanceEntry, PaymentDiscrepancy
from core import audit, permissions
from core.admin_mixins import NoAddOrDeleteMixin
from core.errors import DomainError
from core.money import format_money, to_minor


@admin.register(BalanceEntry)
class BalanceEntryAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
    """Every movement of every customer balance: written by billing's services only."""

    list_display = ["created_at", "organization", "amount_display", "kind", "description", "invoice", "credit_note"]
    list_filter = ["kind", "currency"]
    search_fields = ["organization__name", "invoice__number", "credit_note__number", "description"]
    date_hierarchy = "created_at"
    list_select_related = ["organization", "invoice", "credit_note"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in BalanceEntry._meta.concrete_fields]

    @admin.display(description=gettext_lazy("Amount"))
    def amount_display(self, obj):
        return format_money(obj.amount, obj.currency)


class BalanceRefundForm(forms.Form):
    amount = forms.DecimalField(
        min_value=0,
        required=False,
        label=gettext_lazy("Amount"),
        help_text=gettext_lazy("In major units (e.g. 12.50 EUR or 5000 XOF); the whole balance if empty"),
    )
    reason = forms.CharField(max_length=300, initial=gettext_lazy("Refund of the balance"), label=gettext_lazy("Reason"))


@admin.register(BalanceAccount)
class BalanceAccountAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
    """One line per organization and currency with its balance; the balance is refunded through
    the provider of the organization's payments, never edited."""

    list_display = ["organization", "currency", "balance_display", "refund_link"]
    list_filter = ["currency"]
    search_fields = ["organization__name", "organization__slug"]
    list_select_related = ["organization"]
    readonly_fields = ["organization", "currency", "created_at", "balance_display", "refund_link"]

    def get_urls(self):
        return [
            path("<int:pk>/refund/", self.admin_site.admin_view(self.refund_view), name="billing_balanceaccount_refund"),
            *super().get_urls(),
        ]

    def _balance(self, obj):
        return selectors.balance_for(organization=obj.organization, currency=obj.currency)

    @admin.display(description=gettext_lazy("Balance"))
    def balance_display(self, obj):
        return format_money(self._balance(obj), obj.currency)

    @admin.display(description=gettext_lazy("Refund"))
    def refund_link(self, obj):
        if not self._balance(obj):
            return _("nothing to refund")
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:billing_balanceaccount_refund", args=[obj.pk]), _("Refund through the provider")
        )

    def refund_view(self, request, pk):
        account = get_object_or_404(BalanceAccount.objects.select_related("organization"), pk=pk)
        permissions.require(request, permissions.REFUND, target=account.organization)
        form = BalanceRefundForm(request.POST or None)
        before = self._balance(account)
        if request.method == "POST" and form.is_valid():
            amount = form.cleaned_data["amount"]
            try:
                refunds = payments.refund_balance(
                    organization=account.organization,
                    currency=account.currency,
                    amount=None if amount is None else to_minor(amount, account.currency),
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                refunded = sum(refund.amount for refund in refunds)
                audit.record(
                    actor=request.user,
                    action="balance_refunded",
                    target=account.organization,
                    before={"balance": before},
                    after={"balance": self._balance(account), "refunds": [r.provider_reference for r in refunds]},
                )
                self.message_user(
                    request,
                    _("Refunded %(amount)s of the balance.") % {"amount": format_money(refunded, account.currency)},
                    messages.SUCCESS,
                )
                return redirect("admin:billing_balanceaccount_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "account": account,
            "opts": self.model._meta,
            "balance": format_money(before, account.currency),
            "title": _("Refund the balance of %(organization)s") % {"organization": account.organization},
        }
        return render(request, "billing/admin/balance_refund_form.html", context)


@admin.register(PaymentDiscrepancy)
class PaymentDiscrepancyAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
    """Captures that did not match what was asked, with where the money went."""

    list_display = [
        "created_at",
        "invoice_number",
        "organization",
        "kind",
        "expected_display",
        "received_display",
        "applied_display",
        "balance_display",
        "resolved_at",
    ]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["payment__invoice__number", "payment__organization__name", "payment__provider_reference"]
    list_select_related = ["payment__invoice", "payment__organization"]
    actions = ["mark_resolved"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in PaymentDiscrepancy._meta.concrete_fields]

    @admin.display(description=gettext_lazy("Invoice"))
    def invoice_number(self, obj):
        return obj.payment.invoice.number

    @admin.display(description=gettext_lazy("Organization"))
    def organization(self, obj):
        return obj.payment.organization

    @admin.display(description=gettext_lazy("Asked"))
    def expected_display(self, obj):
        return format_money(obj.expected_amount, obj.expected_currency)

    @admin.display(description=gettext_lazy("Captured"))
    def received_display(self, obj):
        return format_money(obj.received_amount, obj.received_currency)

    @admin.display(description=gettext_lazy("To the invoice"))
    def applied_display(self, obj):
        return format_money(obj.applied_to_invoice, obj.expected_currency)

    @admin.display(description=gettext_lazy("To the customer balance"))
    def balance_display(self, obj):
        return format_money(obj.credited_to_balance, obj.received_currency)

    @admin.action(description=gettext_lazy("Mark resolved"), permissions=["change"])
    def mark_resolved(self, request, queryset):
        done = queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now(), resolved_by=request.user)
        self.message_user(request, _("%(count)s discrepancies marked resolved.") % {"count": done}, messages.SUCCESS)
