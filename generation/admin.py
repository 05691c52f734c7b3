from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from core import audit, permissions
from core.admin_mixins import ReadOnlyAdminMixin, run_service_action
from core.errors import DomainError
from generation import conf, providers, selectors, services
from generation.models import (
    Artifact,
    Conversation,
    ConversationMessage,
    CreditEntry,
    CreditGrant,
    CreditPrice,
    GenerationJob,
)


def usd(micros):
    return f"${micros / 1_000_000:,.4f}"


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ArtifactInline(ReadOnlyInline):
    model = Artifact
    fields = ["filename", "content_type", "size_bytes", "path", "thumbnail_path"]


class CreditEntryInline(ReadOnlyInline):
    model = CreditEntry
    fields = ["created_at", "reason", "amount", "note"]
    readonly_fields = ["created_at"]


@admin.register(GenerationJob)
class GenerationJobAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "kind", "provider", "model", "status", "credits_charged", "cost", "margin", "queued_at"]
    list_filter = ["kind", "provider", "status", "prepaid", "organization"]
    search_fields = ["id", "prompt", "organization__name", "user__email", "model"]
    date_hierarchy = "queued_at"
    list_select_related = ["organization"]
    inlines = [ArtifactInline, CreditEntryInline]
    actions = ["cancel_jobs"]

    def get_readonly_fields(self, request, obj=None):
        # Jobs change only through the services (state machine, ledger); staff act with actions.
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("Provider cost"))
    def cost(self, job):
        return usd(job.provider_cost_micros)

    @admin.display(description=_("Margin"))
    def margin(self, job):
        value = job.credits_charged * conf.get_int("GENERATION_CREDIT_VALUE_MICROS")
        if not value:
            return _("prepaid") if job.prepaid else "—"
        return f"{usd(value - job.provider_cost_micros)} ({(value - job.provider_cost_micros) * 100 // value}%)"

    @admin.action(description=_("Cancel the selected jobs and refund their credits"), permissions=["change"])
    def cancel_jobs(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset.select_related("organization"),
            lambda job: services.cancel_job(organization=job.organization, pk=job.pk),
            done_message=ngettext_lazy("%(count)d job canceled and refunded.", "%(count)d jobs canceled and refunded.", "count"),
            audit_action="generation_job_canceled",
            audit_fields=("status", "credits_reserved", "credits_charged"),
            describe=lambda job: _("Job #%(number)s") % {"number": job.pk},
            refused_level=messages.WARNING,
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.providers_view)
        return [path("providers/", view, name="generation_providers"), *super().get_urls()]

    def providers_view(self, request):
        """Which providers are configured, what they offer and when their prices were read."""
        permissions.require(request, "generation.view_creditprice")  # what the credit prices' list needs
        context = {
            **self.admin_site.each_context(request),
            "title": _("Generation providers"),
            "providers": providers.all_providers(),
        }
        return TemplateResponse(request, "admin/generation/providers.html", context)


@admin.register(CreditPrice)
class CreditPriceAdmin(admin.ModelAdmin):
    list_display = ["kind", "provider", "model", "credits", "unit", "is_active", "provider_configured", "updated_at"]
    list_editable = ["credits", "is_active"]
    list_filter = ["kind", "provider", "is_active"]
    search_fields = ["model", "provider"]

    @admin.display(boolean=True, description=_("Provider configured"))
    def provider_configured(self, price):
        try:
            return providers.get(price.provider).is_configured()
        except DomainError:
            return False


@admin.register(CreditGrant)
class CreditGrantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Grants are written by the services (plan periods, purchases, adjustments); their ledger below."""

    list_display = ["created_at", "organization", "kind", "amount", "priority", "expires_at", "expired_at", "order_ref", "note"]
    list_filter = ["kind"]
    search_fields = ["organization__name", "order_ref", "period_key", "note"]
    date_hierarchy = "created_at"
    list_select_related = ["organization"]
    inlines = [CreditEntryInline]


class CreditAdjustmentForm(forms.ModelForm):
    class Meta:
        model = CreditEntry
        fields = ["organization", "amount", "note"]


@admin.register(CreditEntry)
class CreditEntryAdmin(admin.ModelAdmin):
    """The ledger is append-only: staff add an adjustment (through the service), never edit."""

    list_display = ["created_at", "organization", "amount", "reason", "grant", "job", "order_ref", "note"]
    list_filter = ["reason"]
    search_fields = ["organization__name", "order_ref", "note", "job__id"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["organization"]
    list_select_related = ["organization", "job", "grant"]
    form = CreditAdjustmentForm

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        balance = selectors.credit_balance(organization=obj.organization)
        entry = services.adjust_credits(
            organization=obj.organization, amount=obj.amount, note=obj.note or _("by %(email)s") % {"email": request.user.email}
        )
        obj.pk = entry.pk
        audit.record(
            actor=request.user,
            action="credits_adjusted",
            target=entry,
            organization=obj.organization,
            before={"balance": balance},
            after={"balance": balance + obj.amount, "amount": obj.amount},
        )


class MessageInline(ReadOnlyInline):
    model = ConversationMessage
    fields = ["created_at", "role", "content", "tokens_in", "tokens_out"]
    readonly_fields = ["created_at"]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "provider", "model", "updated_at"]
    list_filter = ["provider"]
    search_fields = ["title", "organization__name"]
    date_hierarchy = "updated_at"
    readonly_fields = ["organization", "user", "provider", "model", "created_at", "updated_at"]
    inlines = [MessageInline]
