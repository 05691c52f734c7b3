"""Payments (refunds through the provider), saved payment methods and webhook events."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from billing import payments
from billing.models import (
    Payment,
    PaymentMethod,
    Refund,
    WebhookEvent,
)
from core import audit, permissions
from core.admin_mixins import AmountsAsMoneyMixin, NoAddOrDeleteMixin
from core.errors import DomainError
from core.money import format_money, to_minor


class RefundInline(AmountsAsMoneyMixin, NoAddOrDeleteMixin, admin.TabularInline):
    amount_fields = ["amount"]
    currency_path = "payment.currency"
    model = Refund
    extra = 0
    fields = [
        "created_at",
        "kind",
        "status",
        "amount",
        "provider_reference",
        "credit_note",
        "reason",
        "failure_message",
        "created_by",
    ]
    readonly_fields = fields


class WebhookEventInline(NoAddOrDeleteMixin, admin.TabularInline):
    model = WebhookEvent
    extra = 0
    fields = ["received_at", "event_type", "event_id", "status", "outcome", "deliveries"]
    readonly_fields = fields


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        min_value=0,
        label=_("Amount"),
        help_text=_("In major units (e.g. 12.50 EUR or 5000 XOF); all that remains if empty"),
        required=False,
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, initial=_("Refund"))


@admin.register(Payment)
class PaymentAdmin(AmountsAsMoneyMixin, NoAddOrDeleteMixin, admin.ModelAdmin):
    amount_fields = ["amount", "amount_refunded", "amount_received"]
    """The story of each payment: its attempts, provider answers, webhooks and refunds (read-only)."""

    list_display = [
        "__str__",
        "organization",
        "amount_display",
        "provider",
        "method",
        "status",
        "attempt",
        "failure_code",
        "created_at",
        "completed_at",
    ]
    list_filter = ["status", "provider", "method", "currency"]
    search_fields = ["invoice__number", "organization__name", "provider_reference", "idempotency_key"]
    date_hierarchy = "created_at"
    list_select_related = ["invoice", "organization"]
    inlines = [RefundInline, WebhookEventInline]
    exclude = ["created_by", "payment_method"]
    readonly_fields = [f.name for f in Payment._meta.concrete_fields if f.name not in ("created_by", "payment_method")]
    readonly_fields += ["refund_link"]

    def get_urls(self):
        return [
            path("<int:pk>/refund/", self.admin_site.admin_view(self.refund_view), name="billing_payment_refund"),
            *super().get_urls(),
        ]

    @admin.display(description=_("Amount"))
    def amount_display(self, obj):
        return format_money(obj.amount, obj.currency)

    @admin.display(description=_("Refund"))
    def refund_link(self, obj):
        if not obj.refundable:
            return "nothing to refund"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:billing_payment_refund", args=[obj.pk]),
            _("Refund (up to %(amount)s)") % {"amount": format_money(obj.refundable, obj.currency)},
        )

    def refund_view(self, request, pk):
        payment = get_object_or_404(Payment, pk=pk)
        permissions.require(request, permissions.REFUND, target=payment)
        form = RefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            before = audit.snapshot(payment, ["status", "amount_refunded"])
            try:
                amount = form.cleaned_data["amount"]
                refund = payments.refund_payment(
                    payment=payment,
                    amount=None if amount is None else to_minor(amount, payment.currency),
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                payment.refresh_from_db()
                audit.record(
                    actor=request.user,
                    action="payment_refunded",
                    target=payment,
                    before=before,
                    after={**audit.snapshot(payment, ["status", "amount_refunded"]), "credit_note": refund.credit_note.number},
                )
                self.message_user(
                    request,
                    _("Refunded %(amount)s: credit note %(number)s.")
                    % {"amount": format_money(refund.amount, payment.currency), "number": refund.credit_note.number},
                    messages.SUCCESS,
                )
                return redirect("admin:billing_payment_change", payment.pk)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "payment": payment,
            "opts": self.model._meta,
            "refundable": format_money(payment.refundable, payment.currency),
            "title": _("Refund %(payment)s") % {"payment": payment},
        }
        return render(request, "billing/admin/refund_form.html", context)


@admin.register(PaymentMethod)
class PaymentMethodAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organization", "provider", "kind", "is_default", "created_at"]
    list_filter = ["provider", "kind", "is_default"]
    search_fields = ["organization__name", "last4", "phone_masked"]
    list_select_related = ["organization"]
    readonly_fields = [
        "organization",
        "provider",
        "kind",
        "provider_token",
        "provider_customer",
        "brand",
        "last4",
        "phone_masked",
        "operator",
        "exp_month",
        "exp_year",
        "is_default",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
    """Every provider event with what was done with it."""

    list_display = ["event_id", "provider", "event_type", "status", "outcome", "deliveries", "payment", "received_at"]
    list_filter = ["provider", "status", "event_type"]
    search_fields = ["event_id", "outcome"]
    date_hierarchy = "received_at"
    list_select_related = ["payment__invoice"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in WebhookEvent._meta.concrete_fields]
