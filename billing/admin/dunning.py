"""Dunning policies and their steps, the billing automation page, and what dunning did."""

from django import forms
from django.contrib import admin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import Organization
from billing import dunning, services
from billing.admin.actions import INVOICE_AUDIT, run_action
from billing.models import (
    DunningEvent,
    DunningPolicy,
    DunningStep,
    Invoice,
)
from core import permissions
from core.admin_mixins import ReadOnlyAdminMixin
from core.errors import DomainError
from core.models import TaskRun


class DunningStepFormSet(forms.models.BaseInlineFormSet):
    """The steps as a whole: in the order of their days, no day twice, suspension last."""

    def clean(self):
        # Before the generic duplicate check, whose message names no day.
        if any(form.errors for form in self.forms):
            return  # each form shows its own error first
        for form in self.forms:
            step = form.instance
            if form.cleaned_data.get("DELETE") and step.pk and step.events.exists():
                raise forms.ValidationError(
                    _("%(step)s has been taken on invoices and stays in their history: keep it.") % {"step": step}
                )
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
        permissions.require(request, permissions.VIEW_INVOICES)
        if request.method == "POST":
            self._act(request)
            return redirect(request.get_full_path())
        bucket = request.GET.get("age", "")
        invoices = dunning.overdue_invoices(bucket=bucket)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Billing automation"),
            "opts": self.model._meta,
            "runs": _last_runs(TaskRun),
            "preview": _with_organizations(dunning.preview(limit=50)),
            "buckets": dunning.overdue_by_age(),
            "age": bucket,
            "page": Paginator(invoices, 50).get_page(request.GET.get("page")),
        }
        return render(request, "billing/admin/automation.html", context)

    def _act(self, request):
        actions = {
            "send_next": (
                ngettext_lazy("Next reminder sent for %(count)d invoice.", "Next reminder sent for %(count)d invoices.", "count"),
                lambda i: dunning.send_next_step_now(invoice=i),
                None,
            ),
            "suspend": (
                ngettext_lazy("%(count)d subscription suspended.", "%(count)d subscriptions suspended.", "count"),
                lambda i: dunning.suspend_now(invoice=i),
                "subscription_suspended",
            ),
            "uncollectible": (
                ngettext_lazy("%(count)d invoice marked uncollectible.", "%(count)d invoices marked uncollectible.", "count"),
                lambda i: services.mark_uncollectible(invoice=i),
                "invoice_uncollectible",
            ),
        }
        action = actions.get(request.POST.get("action"))
        invoice = Invoice.objects.filter(pk=request.POST.get("invoice") or 0).first()
        permissions.require(request, permissions.CHANGE_INVOICES, target=invoice)
        if action is None or invoice is None:
            raise Http404
        done_message, service, audit_action = action
        run_action(self, request, [invoice], done_message, service, audit_action, INVOICE_AUDIT)


def _with_organizations(preview):
    """The dry run's rows with each invoice's organization (the preview loads only its id)."""
    names = dict(
        Organization.objects.filter(pk__in={invoice.organization_id for invoice, _step in preview}).values_list("pk", "name")
    )
    return [(invoice, step, names.get(invoice.organization_id, "")) for invoice, step in preview]


def _last_runs(task_run, per_task=5):
    """The last runs of every task that has run, newest first (one query)."""
    runs = {}
    for run in task_run.objects.order_by("-started_at")[:500]:
        runs.setdefault(run.task, [])
        if len(runs[run.task]) < per_task:
            runs[run.task].append(run)
    return sorted(runs.items())


@admin.register(DunningEvent)
class DunningEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What dunning did: a record, read-only."""

    list_display = ["invoice", "offset_days", "action", "outcome", "run_date", "done_at"]
    list_filter = ["action", "outcome", "run_date"]
    search_fields = ["invoice__number", "invoice__organization__name"]
    date_hierarchy = "occurred_at"
    list_select_related = ["invoice"]
