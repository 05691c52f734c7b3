"""Staff views of usage: monthly records and alerts are read-only (metering, not opinions);
add-on types and their prices are edited here; purchases change only through services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from core import permissions
from core.admin_mixins import ReadOnlyAdminMixin, run_service_action
from usage import services
from usage.models import AddonPrice, AddonPurchase, AddonType, UsageAlert, UsageFlush, UsageRecord


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdmin):
    list_display = ["organization", "metric", "month", "value", "updated_at"]
    list_filter = ["metric", "month"]
    search_fields = ["organization__name", "organization__slug"]
    date_hierarchy = "month"
    list_select_related = ["organization"]
    actions = ["recount_storage", "check_alerts"]

    # The records are read-only (no change permission exists in use); recounting from the files and
    # checking limits only bring the counters back to the truth, so whoever reads them may.
    @admin.action(description=_("Recount storage of these organizations from the files"), permissions=["view"])
    def recount_storage(self, request, queryset):
        orgs = {record.organization for record in queryset.select_related("organization")}
        for organization in orgs:
            services.recompute_storage(organization=organization)
        count = len(orgs)
        messages.success(
            request,
            ngettext("Storage recounted for %(count)d organization.", "Storage recounted for %(count)d organizations.", count)
            % {"count": count},
        )

    @admin.action(description=_("Check limits and send missing alerts now"), permissions=["view"])
    def check_alerts(self, request, queryset):
        orgs = {record.organization for record in queryset.select_related("organization")}
        sent = sum(len(services.check_alerts(organization=org)) for org in orgs)
        messages.success(request, ngettext("%(count)d alert sent.", "%(count)d alerts sent.", sent) % {"count": sent})


@admin.register(UsageAlert)
class UsageAlertAdmin(ReadOnlyAdmin):
    list_display = ["organization", "metric", "period_start", "level", "used", "limit", "created_at"]
    list_filter = ["metric", "level", "period_start"]
    search_fields = ["organization__name", "organization__slug"]
    date_hierarchy = "created_at"
    list_select_related = ["organization"]


@admin.register(UsageFlush)
class UsageFlushAdmin(ReadOnlyAdmin):
    list_display = ["token", "flushed_at", "counters"]
    date_hierarchy = "flushed_at"
    search_fields = ["token"]


class AddonPriceInline(admin.TabularInline):
    model = AddonPrice
    extra = 0
    fields = ["currency", "unit_amount"]


@admin.register(AddonType)
class AddonTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "unit_label",
        "code",
        "metric",
        "amount_per_unit",
        "allowed_plans",
        "period_days",
        "is_active",
        "position",
    ]
    list_filter = ["is_active", "metric"]
    search_fields = ["code", "name"]
    inlines = [AddonPriceInline]


@admin.register(AddonPurchase)
class AddonPurchaseAdmin(admin.ModelAdmin):
    list_display = [
        "organization",
        "addon_type",
        "quantity",
        "status",
        "renew",
        "expires_at",
        "unit_amount",
        "currency",
        "created_at",
    ]
    list_filter = ["status", "renew", "addon_type"]
    search_fields = ["organization__name", "organization__slug"]
    autocomplete_fields = ["organization", "created_by"]
    date_hierarchy = "created_at"
    list_select_related = ["organization", "addon_type"]
    readonly_fields = [
        "organization",
        "addon_type",
        "quantity",
        "currency",
        "unit_amount",
        "status",
        "renew",
        "invoice_id",
        "period_start",
        "expires_at",
        "canceled_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    actions = ["stop_renewal", "end_due_periods"]

    def has_add_permission(self, request):
        return False  # customers buy through the dashboard or the API, which invoice them

    def has_subscriptions_permission(self, request):  # an add-on renews with the subscription
        return request.user.has_perm(permissions.CHANGE_SUBSCRIPTIONS)

    @admin.action(description=_("Stop renewal (or cancel if unpaid)"), permissions=["subscriptions"])
    def stop_renewal(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda purchase: services.cancel_addon(organization=purchase.organization, pk=purchase.pk),
            done_message=ngettext_lazy("%(count)d add-on changed.", "%(count)d add-ons changed.", "count"),
            audit_action="addon_renewal_stopped",
            audit_fields=("status", "renew"),
            refused_level=messages.WARNING,
        )

    @admin.action(
        description=_("Renew or expire add-ons whose period has ended (the 05:00 run, now)"), permissions=["subscriptions"]
    )
    def end_due_periods(self, request, queryset):
        counts = services.end_addon_periods()
        renewed, expired = counts["renewed"], counts["expired"]
        parts = {
            "renewed": ngettext("%(count)d add-on renewed", "%(count)d add-ons renewed", renewed) % {"count": renewed},
            "expired": ngettext("%(count)d add-on expired", "%(count)d add-ons expired", expired) % {"count": expired},
        }
        messages.success(request, _("%(renewed)s, %(expired)s.") % parts)
