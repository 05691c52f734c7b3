"""Plans and their prices."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from billing import handlers
from billing.models import (
    Plan,
    PlanPrice,
)
from core.money import format_money


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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The prices typed here are what every subscription on the plan brings each month.
        handlers.revenue_changed(recurring=True)

    @admin.display(description=_("Prices (excl. VAT)"))
    def prices_display(self, obj):
        return ", ".join(format_money(p.amount, p.currency) for p in obj.prices.all())
