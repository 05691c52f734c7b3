"""Subscriptions (statuses change only through actions that call billing.services) and billing settings."""

from django.contrib import admin

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
        run_action(
            self,
            request,
            queryset,
            "Canceled",
            lambda s: services.cancel_subscription(subscription=s, at_period_end=False),
            "subscription_canceled",
            SUBSCRIPTION_AUDIT,
        )

    @admin.action(description="Cancel at the end of the period")
    def cancel_at_period_end(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            "Set to end",
            lambda s: services.cancel_subscription(subscription=s),
            "subscription_cancel_scheduled",
            SUBSCRIPTION_AUDIT,
        )

    @admin.action(description="Suspend")
    def suspend(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            "Suspended",
            lambda s: services.suspend_subscription(subscription=s),
            "subscription_suspended",
            SUBSCRIPTION_AUDIT,
        )

    @admin.action(description="Reactivate")
    def reactivate(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            "Reactivated",
            lambda s: services.reactivate_subscription(subscription=s),
            "subscription_reactivated",
            SUBSCRIPTION_AUDIT,
        )

    @admin.action(description="Extend the trial by 7 days")
    def extend_trial_7_days(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            "Trial extended",
            lambda s: services.extend_trial(subscription=s, days=7),
            "trial_extended",
            SUBSCRIPTION_AUDIT,
        )


@admin.register(BillingSettings)
class BillingSettingsAdmin(admin.ModelAdmin):
    list_display = ["organization", "calendar_billing", "updated_at"]
    list_filter = ["calendar_billing"]
    search_fields = ["organization__name", "organization__slug"]
    autocomplete_fields = ["organization"]
