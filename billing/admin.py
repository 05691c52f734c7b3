"""Back office for billing. Statuses change only through actions that call billing.services;
finalized invoices and credit notes are read-only (corrections go through a credit note)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html

from billing import dunning, payments, services, views
from billing.models import (
    BillingSettings,
    CreditNote,
    CreditNoteLine,
    DunningEvent,
    DunningPolicy,
    DunningStep,
    Invoice,
    InvoiceLine,
    NumberSequence,
    Payment,
    PaymentMethod,
    PendingCharge,
    Plan,
    PlanPrice,
    Refund,
    Subscription,
    WebhookEvent,
)
from core import audit
from core.admin_mixins import NoAddOrDeleteMixin
from core.errors import DomainError
from core.money import format_money, to_minor

SUBSCRIPTION_AUDIT = ["status", "cancel_at_period_end", "trial_end", "current_period_end", "canceled_at", "suspended_at"]
INVOICE_AUDIT = ["status", "amount_credited", "voided_at", "uncollectible_at"]


def _run(modeladmin, request, queryset, label, service, audit_action=None, audit_fields=()):
    """Apply a service to each selected row; a refused transition is reported, never a 500.
    Actions that change money or access are written to the audit log with what changed."""
    done = 0
    for obj in queryset:
        before = audit.snapshot(obj, audit_fields)
        try:
            service(obj)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
            continue
        if audit_action:
            obj.refresh_from_db()
            changed_before, changed_after = audit.changed(before, audit.snapshot(obj, audit_fields))
            audit.record(actor=request.user, action=audit_action, target=obj, before=changed_before, after=changed_after)
    if done:
        modeladmin.message_user(request, f"{label}: {done} done.", messages.SUCCESS)


class PlanPriceInline(admin.TabularInline):
    model = PlanPrice
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "tier", "interval", "trial_days", "prices_display", "generation_credits", "is_active"]
    list_filter = ["tier", "interval", "is_active"]
    search_fields = ["code", "name"]
    inlines = [PlanPriceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("prices")

    @admin.display(description="Prices (excl. VAT)")
    def prices_display(self, obj):
        return ", ".join(format_money(p.amount, p.currency) for p in obj.prices.all())


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["organization", "plan", "status", "current_period_end", "trial_end", "cancel_at_period_end", "created_at"]
    list_filter = ["status", "plan", "cancel_at_period_end", "currency"]
    search_fields = ["organization__name", "organization__slug", "plan__code", "coupon_code"]
    autocomplete_fields = ["organization", "plan", "scheduled_plan"]
    date_hierarchy = "created_at"
    list_select_related = ["organization", "plan"]
    readonly_fields = [
        "status",
        "currency",
        "current_period_start",
        "current_period_end",
        "trial_end",
        "cancel_at_period_end",
        "canceled_at",
        "ended_at",
        "suspended_at",
        "created_at",
        "updated_at",
    ]
    actions = ["cancel_now", "cancel_at_period_end", "suspend", "reactivate", "extend_trial_7_days"]

    def has_add_permission(self, request):
        return False  # subscriptions start through subscribe(), which invoices them

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "organization", "plan"]

    @admin.action(description="Cancel now")
    def cancel_now(self, request, queryset):
        _run(self, request, queryset, "Canceled", lambda s: services.cancel_subscription(subscription=s, at_period_end=False),
             "subscription_canceled", SUBSCRIPTION_AUDIT)

    @admin.action(description="Cancel at the end of the period")
    def cancel_at_period_end(self, request, queryset):
        _run(self, request, queryset, "Set to end", lambda s: services.cancel_subscription(subscription=s),
             "subscription_cancel_scheduled", SUBSCRIPTION_AUDIT)

    @admin.action(description="Suspend")
    def suspend(self, request, queryset):
        _run(self, request, queryset, "Suspended", lambda s: services.suspend_subscription(subscription=s),
             "subscription_suspended", SUBSCRIPTION_AUDIT)

    @admin.action(description="Reactivate")
    def reactivate(self, request, queryset):
        _run(self, request, queryset, "Reactivated", lambda s: services.reactivate_subscription(subscription=s),
             "subscription_reactivated", SUBSCRIPTION_AUDIT)

    @admin.action(description="Extend the trial by 7 days")
    def extend_trial_7_days(self, request, queryset):
        _run(self, request, queryset, "Trial extended", lambda s: services.extend_trial(subscription=s, days=7),
             "trial_extended", SUBSCRIPTION_AUDIT)


class InvoiceLineInline(NoAddOrDeleteMixin, admin.TabularInline):
    model = InvoiceLine
    extra = 0
    fields = ["description", "quantity", "unit_amount", "discount_amount", "vat_rate", "net_amount", "vat_amount", "total_amount"]
    readonly_fields = fields


class CreditNoteInline(NoAddOrDeleteMixin, admin.TabularInline):
    model = CreditNote
    extra = 0
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
    amount = forms.DecimalField(min_value=0, help_text="Tax included, in major units (e.g. 12.50 EUR or 5000 XOF)")
    reason = forms.CharField(max_length=300)


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False  # invoices are created by services (subscriptions, orders, add-ons)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and not obj.is_finalized

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Invoice._meta.concrete_fields if f.name not in ("subscription", "created_by")] + ["pdf_link"]

    def get_urls(self):
        return [
            path("<int:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name="billing_invoice_pdf"),
            path("<int:pk>/credit-note/", self.admin_site.admin_view(self.credit_note_view), name="billing_invoice_credit_note"),
            *super().get_urls(),
        ]

    @admin.display(description="Total")
    def total_display(self, obj):
        return format_money(obj.total, obj.currency)

    @admin.display(description="Due")
    def amount_due_display(self, obj):
        return format_money(obj.amount_due, obj.currency)

    @admin.display(description="Source")
    def source(self, obj):
        return f"{obj.source_type}:{obj.source_id}"

    @admin.display(description="PDF")
    def pdf_link(self, obj):
        if not obj.pdf_file:
            return "not rendered yet"
        credit = reverse("admin:billing_invoice_credit_note", args=[obj.pk])
        return format_html(
            '<a href="{}">Download</a> · <a href="{}">Issue a credit note</a>',
            reverse("admin:billing_invoice_pdf", args=[obj.pk]),
            credit,
        )

    def pdf_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return views._pdf_response(get_object_or_404(Invoice, pk=pk), "invoice")

    def credit_note_view(self, request, pk):
        if not self.has_view_permission(request) or not request.user.has_perm("billing.add_creditnote"):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice, pk=pk)
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
                    actor=request.user, action="credit_note_issued", target=invoice,
                    before={"amount_credited": credited_before},
                    after={"amount_credited": invoice.amount_credited, "credit_note": note.number, "amount": note.total},
                )
                self.message_user(request, f"Credit note {note.number} issued.", messages.SUCCESS)
                return redirect("admin:billing_invoice_change", invoice.pk)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "invoice": invoice,
            "opts": self.model._meta,
            "creditable": format_money(invoice.creditable, invoice.currency),
            "title": f"Credit note for {invoice}",
        }
        return render(request, "billing/admin/credit_note_form.html", context)

    @admin.action(description="Finalize (number, PDF, email)")
    def finalize(self, request, queryset):
        _run(self, request, queryset, "Finalized", lambda i: services.finalize_invoice(invoice=i))

    @admin.action(description="Void (credits what remains)")
    def void(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            "Voided",
            lambda i: services.void_invoice(invoice=i, reason="Voided by staff", user=request.user),
            "invoice_voided",
            INVOICE_AUDIT,
        )

    @admin.action(description="Mark uncollectible")
    def mark_uncollectible(self, request, queryset):
        _run(self, request, queryset, "Marked uncollectible", lambda i: services.mark_uncollectible(invoice=i),
             "invoice_uncollectible", INVOICE_AUDIT)

    @admin.action(description="Resend the invoice email")
    def resend(self, request, queryset):
        _run(self, request, queryset, "Sent again", lambda i: services.resend_invoice(invoice=i))

    @admin.action(description="Issue a credit note for all that remains")
    def credit_remaining(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            "Credited",
            lambda i: services.issue_credit_note(invoice=i, reason="Credited by staff", user=request.user),
            "credit_note_issued",
            INVOICE_AUDIT,
        )


class CreditNoteLineInline(InvoiceLineInline):
    model = CreditNoteLine


@admin.register(CreditNote)
class CreditNoteAdmin(admin.ModelAdmin):
    list_display = ["number", "invoice", "organization", "total", "currency", "issue_date", "refund_reference"]
    list_filter = ["currency", "issue_date"]
    search_fields = ["number", "invoice__number", "organization__name", "refund_reference"]
    date_hierarchy = "created_at"
    list_select_related = ["invoice", "organization"]
    inlines = [CreditNoteLineInline]
    exclude = ["created_by"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in CreditNote._meta.concrete_fields if f.name != "created_by"]

    def has_add_permission(self, request):
        return False  # issued from an invoice (action or form), never typed in

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NumberSequence)
class NumberSequenceAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
    list_display = ["prefix", "year", "last"]
    readonly_fields = ["prefix", "year", "last"]


@admin.register(PendingCharge)
class PendingChargeAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
    """Charges waiting for (or billed on) a subscription invoice: add-on renewals."""

    list_display = ["description", "organization", "quantity", "unit_amount", "currency", "invoice", "created_at"]
    list_filter = [("invoice", admin.EmptyFieldListFilter), "source_type", "currency"]
    search_fields = ["description", "organization__name", "invoice__number"]
    list_select_related = ["organization", "invoice"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in PendingCharge._meta.concrete_fields]


class RefundInline(NoAddOrDeleteMixin, admin.TabularInline):
    model = Refund
    extra = 0
    fields = ["created_at", "amount", "provider_reference", "credit_note", "reason", "created_by"]
    readonly_fields = fields


class WebhookEventInline(NoAddOrDeleteMixin, admin.TabularInline):
    model = WebhookEvent
    extra = 0
    fields = ["received_at", "event_type", "event_id", "status", "outcome", "deliveries"]
    readonly_fields = fields


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        min_value=0, help_text="In major units (e.g. 12.50 EUR or 5000 XOF); all that remains if empty", required=False
    )
    reason = forms.CharField(max_length=300, initial="Refund")


@admin.register(Payment)
class PaymentAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
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


    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Payment._meta.concrete_fields if f.name not in self.exclude] + ["refund_link"]

    def get_urls(self):
        return [
            path("<int:pk>/refund/", self.admin_site.admin_view(self.refund_view), name="billing_payment_refund"),
            *super().get_urls(),
        ]

    @admin.display(description="Amount")
    def amount_display(self, obj):
        return format_money(obj.amount, obj.currency)

    @admin.display(description="Refund")
    def refund_link(self, obj):
        if not obj.refundable:
            return "nothing to refund"
        return format_html(
            '<a href="{}">Refund (up to {})</a>',
            reverse("admin:billing_payment_refund", args=[obj.pk]),
            format_money(obj.refundable, obj.currency),
        )

    def refund_view(self, request, pk):
        if not request.user.has_perm("billing.change_payment"):
            raise PermissionDenied
        payment = get_object_or_404(Payment, pk=pk)
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
                    actor=request.user, action="payment_refunded", target=payment, before=before,
                    after={**audit.snapshot(payment, ["status", "amount_refunded"]), "credit_note": refund.credit_note.number},
                )
                self.message_user(
                    request,
                    f"Refunded {format_money(refund.amount, payment.currency)}: credit note {refund.credit_note.number}.",
                    messages.SUCCESS,
                )
                return redirect("admin:billing_payment_change", payment.pk)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "payment": payment,
            "opts": self.model._meta,
            "refundable": format_money(payment.refundable, payment.currency),
            "title": f"Refund {payment}",
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


# --- Dunning and automation ----------------------------------------------------------------------


class DunningStepFormSet(forms.models.BaseInlineFormSet):
    """The steps as a whole: in the order of their days, no day twice, suspension last."""

    def clean(self):
        # Before the generic duplicate check, whose message names no day.
        if any(form.errors for form in self.forms):
            return  # each form shows its own error first
        for form in self.forms:
            step = form.instance
            if form.cleaned_data.get("DELETE") and step.pk and step.events.exists():
                raise forms.ValidationError(f"{step} has been taken on invoices and stays in their history: keep it.")
        kept = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        kept.sort(key=lambda data: data["position"])
        try:
            dunning.check_steps([(data["offset_days"], data["action"]) for data in kept])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        super().clean()


class DunningStepInline(admin.TabularInline):
    model = DunningStep
    formset = DunningStepFormSet
    extra = 0
    fields = ["position", "offset_days", "action"]


class DunningPolicyForm(forms.ModelForm):
    class Meta:
        model = DunningPolicy
        fields = ["name", "organization", "suspend_for_any_invoice", "retry_days"]

    def clean_retry_days(self):
        days = self.cleaned_data["retry_days"]
        try:
            dunning.check_retry_days(days)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        return days


@admin.register(DunningPolicy)
class DunningPolicyAdmin(admin.ModelAdmin):
    form = DunningPolicyForm
    list_display = ["name", "organization", "suspend_for_any_invoice", "retry_days", "updated_at"]
    list_filter = ["suspend_for_any_invoice"]
    search_fields = ["name", "organization__name", "organization__slug"]
    autocomplete_fields = ["organization"]
    inlines = [DunningStepInline]
    change_list_template = "billing/admin/dunningpolicy_change_list.html"

    def get_urls(self):
        return [
            path("automation/", self.admin_site.admin_view(self.automation_view), name="billing_automation"),
            *super().get_urls(),
        ]

    def automation_view(self, request):
        if not request.user.is_staff or not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            self._act(request)
            return redirect(request.get_full_path())
        from core.models import TaskRun

        bucket = request.GET.get("age", "")
        invoices = dunning.overdue_invoices(bucket=bucket)
        context = {
            **self.admin_site.each_context(request),
            "title": "Billing automation",
            "opts": self.model._meta,
            "runs": _last_runs(TaskRun),
            "preview": dunning.preview(limit=50),
            "buckets": dunning.overdue_by_age(),
            "age": bucket,
            "page": Paginator(invoices, 50).get_page(request.GET.get("page")),
        }
        return render(request, "billing/admin/automation.html", context)

    def _act(self, request):
        actions = {
            "send_next": ("Next reminder sent", lambda i: dunning.send_next_step_now(invoice=i), None),
            "suspend": ("Suspended", lambda i: dunning.suspend_now(invoice=i), "subscription_suspended"),
            "uncollectible": ("Marked uncollectible", lambda i: services.mark_uncollectible(invoice=i), "invoice_uncollectible"),
        }
        action = actions.get(request.POST.get("action"))
        invoice = Invoice.objects.filter(pk=request.POST.get("invoice") or 0).first()
        if action is None or invoice is None or not request.user.has_perm("billing.change_invoice"):
            raise PermissionDenied
        label, service, audit_action = action
        _run(self, request, [invoice], label, service, audit_action, INVOICE_AUDIT)


def _last_runs(task_run, per_task=5):
    """The last runs of every task that has run, newest first (one query)."""
    runs = {}
    for run in task_run.objects.order_by("-started_at")[:500]:
        runs.setdefault(run.task, [])
        if len(runs[run.task]) < per_task:
            runs[run.task].append(run)
    return sorted(runs.items())


@admin.register(DunningEvent)
class DunningEventAdmin(admin.ModelAdmin):
    """What dunning did: a record, read-only."""

    list_display = ["invoice", "offset_days", "action", "outcome", "run_date", "done_at"]
    list_filter = ["action", "outcome", "run_date"]
    search_fields = ["invoice__number", "invoice__organization__name"]
    date_hierarchy = "occurred_at"
    list_select_related = ["invoice"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BillingSettings)
class BillingSettingsAdmin(admin.ModelAdmin):
    list_display = ["organization", "calendar_billing", "updated_at"]
    list_filter = ["calendar_billing"]
    search_fields = ["organization__name", "organization__slug"]
    autocomplete_fields = ["organization"]
