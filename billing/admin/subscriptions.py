"""Subscriptions (statuses change only through actions that call billing.services) and billing settings."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from billing import services
from billing.admin.actions import SUBSCRIPTION_AUDIT, run_action
from billing.models import (
    BillingSettings,
    Subscription,
)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["organization", "plan", "status", "current_period_end", "trial_end", "cancel_at_period_end", "created_at"]
    list_filter = ["status", "plan", "cancel_at_period_end", "currency"]
    search_fields = ["organization__name", "organization__slug", "plan__code", "coupon_code"]
    date_hierarchy = "created_at"
    list_select_related = ["organization", "plan"]
    actions = ["cancel_now", "cancel_at_period_end", "suspend", "reactivate", "extend_trial_7_days", "undo_plan_change"]

    def has_add_permission(self, request):
        return False  # subscriptions start through subscribe(), which invoices them

    def has_delete_permission(self, request, obj=None):
        # Its invoices, coupon use and trial are history: a subscription ends (cancel), never vanishes.
        return False

    def get_readonly_fields(self, request, obj=None):
        # Plan, coupon, cycles and periods change only through the services (the actions below, the
        # customer's plan change), which invoice and credit what the change means.
        return [field.name for field in self.model._meta.fields]

    @admin.action(description=_("Cancel now"), permissions=["change"])
    def cancel_now(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            ngettext_lazy("%(count)d subscription canceled.", "%(count)d subscriptions canceled.", "count"),
            lambda s: services.cancel_subscription(subscription=s, at_period_end=False),
            "subscription_canceled",
            SUBSCRIPTION_AUDIT,
        )

    @admin.action(description=_("Cancel at the end of the period"), permissions=["change"])
    def cancel_at_period_end(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            ngettext_lazy(
                "%(count)d subscription set to end with its period.",
                "%(count)d subscriptions set to end with their period.",
                "count",
            ),
            lambda s: services.cancel_subscription(subscription=s),
            "subscription_cancel_scheduled",
            SUBSCRIPTION_AUDIT,
        )

    @admin.action(description=_("Suspend"), permissions=["change"])
    def suspend(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            ngettext_lazy("%(count)d subscription suspended.", "%(count)d subscriptions suspended.", "count"),
            lambda s: services.suspend_subscription(subscription=s),
            "subscription_suspended",
            SUBSCRIPTION_AUDIT,
        )

    @admin.action(description=_("Reactivate"), permissions=["change"])
    def reactivate(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            ngettext_lazy("%(count)d subscription reactivated.", "%(count)d subscriptions reactivated.", "count"),
            lambda s: services.reactivate_subscription(subscription=s),
            "subscription_reactivated",
            SUBSCRIPTION_AUDIT,
        )

    @admin.action(description=_("Extend the trial by 7 days"), permissions=["change"])
    def extend_trial_7_days(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            ngettext_lazy("%(count)d trial extended by 7 days.", "%(count)d trials extended by 7 days.", "count"),
            lambda s: services.extend_trial(subscription=s, days=7),
            "trial_extended",
            SUBSCRIPTION_AUDIT,
        )

    @admin.action(description=_("Undo the plan change (scheduled downgrade or unpaid upgrade)"), permissions=["change"])
    def undo_plan_change(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            ngettext_lazy("%(count)d plan change undone.", "%(count)d plan changes undone.", "count"),
            lambda s: services.undo_plan_change(subscription=s, user=request.user),
            "subscription_plan_change_undone",
            [*SUBSCRIPTION_AUDIT, "scheduled_plan_id", "pending_plan_id"],
        )


@admin.register(BillingSettings)
class BillingSettingsAdmin(admin.ModelAdmin):
    list_display = ["organization", "calendar_billing", "updated_at"]
    list_filter = ["calendar_billing"]
    search_fields = ["organization__name", "organization__slug"]
    autocomplete_fields = ["organization"]
