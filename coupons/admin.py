"""Back office for coupons: filters (active, type, expired, exhausted), per-currency minimums,
read-only usage history and statistics, CSV export of usages, and campaign batches of single-use
codes. Writes that matter (deactivate, campaigns) go through coupons.services."""

import csv

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core import audit
from core.errors import DomainError
from core.money import format_money, to_minor
from coupons import selectors, services
from coupons.models import CODE_MAX_LENGTH, CODE_VALIDATOR, Coupon, CouponMinimum, CouponUsage

CSV_COLUMNS = [
    "coupon", "organization", "user", "target_type", "target_id", "invoice", "status", "currency",
    "original_amount", "discount", "final_amount", "reserved_at", "confirmed_at", "released_at",
]  # fmt: skip


def _csv_cell(value):
    """Spreadsheets run a cell starting with = + - @ as a formula: quote such text cells."""
    text = "" if value is None else str(value)
    return f"'{text}" if isinstance(value, str) and text[:1] in ("=", "+", "-", "@") else text


def usages_csv(usages, filename):
    """Amounts in minor units, as stored: one row per usage, in the order given."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for usage in usages.select_related("coupon", "organization", "user", "invoice"):
        writer.writerow(
            _csv_cell(value)
            for value in (
                usage.coupon.code,
                usage.organization.name,
                usage.user.email if usage.user else "",
                usage.target_type,
                usage.target_id,
                usage.invoice.number if usage.invoice else "",
                usage.status,
                usage.currency,
                usage.original_amount,
                usage.discount,
                usage.final_amount,
                usage.reserved_at.isoformat(),
                usage.confirmed_at and usage.confirmed_at.isoformat(),
                usage.released_at and usage.released_at.isoformat(),
            )  # fmt: skip
        )
    return response


class ExpiredFilter(admin.SimpleListFilter):
    title = "expired"
    parameter_name = "expired"

    def lookups(self, request, model_admin):
        return [("yes", "Expired"), ("no", "Not expired")]

    def queryset(self, request, queryset):
        expired = Q(valid_to__lte=timezone.now())
        if self.value() == "yes":
            return queryset.filter(expired)
        if self.value() == "no":
            return queryset.exclude(expired)
        return queryset


class ExhaustedFilter(admin.SimpleListFilter):
    title = "exhausted"
    parameter_name = "exhausted"

    def lookups(self, request, model_admin):
        return [("yes", "All uses taken"), ("no", "Uses left")]

    def queryset(self, request, queryset):
        exhausted = Q(max_uses__gt=0, uses__gte=F("max_uses"))
        if self.value() == "yes":
            return queryset.filter(exhausted)
        if self.value() == "no":
            return queryset.exclude(exhausted)
        return queryset


class CouponMinimumInline(admin.TabularInline):
    model = CouponMinimum
    extra = 0
    verbose_name_plural = "Minimum purchase per currency (minor units; none = any amount in any currency)"


class CouponUsageInline(admin.TabularInline):
    """The history is a ledger: read-only here, released and confirmed by the order's life."""

    model = CouponUsage
    extra = 0
    can_delete = False
    show_change_link = True
    fields = [
        "organization",
        "user",
        "target_type",
        "target_id",
        "invoice",
        "status",
        "currency",
        "original_amount",
        "discount",
        "final_amount",
        "reserved_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization", "user", "invoice")


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "discount_display", "uses_display", "eligibility", "valid_from", "valid_to", "is_active"]
    list_filter = ["is_active", "discount_type", ExpiredFilter, ExhaustedFilter, "eligibility", "duration"]
    search_fields = ["code", "name"]
    date_hierarchy = "created_at"
    filter_horizontal = ["plans", "products", "categories"]
    readonly_fields = ["uses", "statistics", "created_at", "updated_at"]
    inlines = [CouponMinimumInline, CouponUsageInline]
    actions = ["deactivate", "export_usages"]
    fieldsets = [
        (None, {"fields": ["code", "name", "description", "is_active"]}),
        ("Discount", {"fields": ["discount_type", "percent_off", "amount_off", "currency", "duration", "duration_months"]}),
        ("Validity and limits", {"fields": ["valid_from", "valid_to", "max_uses", "max_uses_per_organization", "uses"]}),
        ("Who and what", {"fields": ["eligibility", "first_payment_only", "plans", "products", "categories"]}),
        ("Statistics", {"fields": ["statistics", "created_at", "updated_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Usages name the coupon by its code on invoices and exports: once used, the code stays.
        used = obj is not None and obj.usages.exists()
        return [*self.readonly_fields, "code"] if used else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # A used coupon keeps its history (the usages protect it): deactivate it instead.
        return super().has_delete_permission(request, obj) and not (obj and obj.usages.exists())

    @admin.display(description="Discount")
    def discount_display(self, obj):
        if obj.discount_type == Coupon.DiscountType.PERCENTAGE:
            return f"{obj.percent_off.normalize():f} %"
        return format_money(obj.amount_off, obj.currency)

    @admin.display(description="Uses", ordering="uses")
    def uses_display(self, obj):
        return f"{obj.uses} / {obj.max_uses or '∞'}"

    @admin.display(description="Statistics")
    def statistics(self, obj):
        """Confirmed (paid) uses per currency, what they granted and the revenue they brought, and
        the share of the shop's paid checkouts that used the code."""
        if obj.pk is None:
            return "—"
        stats = selectors.usage_stats(coupon=obj)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    row["currency"],
                    row["uses"],
                    format_money(row["discount"], row["currency"]),
                    format_money(row["revenue"], row["currency"]),
                )
                for row in stats["by_currency"]
            ),
        )
        share = stats["checkout_share"]
        return format_html(
            "<p>{} confirmed, {} reserved (not paid yet), {} released. Used in {} of the shop's paid checkouts.</p>"
            "<table><thead><tr><th>Currency</th><th>Paid uses</th><th>Discount granted</th><th>Revenue with it</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            stats["confirmed"], stats["reserved"], stats["released"], "—" if share is None else f"{share} %", rows,
        )  # fmt: skip

    # The terms that decide how much money a coupon takes off (audited on every change).
    AUDITED_FIELDS = (
        "code", "is_active", "discount_type", "percent_off", "amount_off", "currency", "duration", "duration_months",
        "valid_from", "valid_to", "max_uses", "max_uses_per_organization", "eligibility", "first_payment_only",
    )  # fmt: skip

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(Coupon.objects.get(pk=obj.pk), self.AUDITED_FIELDS) if change else {}
        super().save_model(request, obj, form, change)
        before, after = audit.changed(before, audit.snapshot(obj, self.AUDITED_FIELDS))
        if after:
            audit.record(
                actor=request.user,
                action="coupon_changed" if change else "coupon_created",
                target=obj,
                before=before,
                after=after,
            )

    @admin.action(description="Deactivate the selected coupons")
    def deactivate(self, request, queryset):
        for coupon in queryset:
            was_active = coupon.is_active
            services.deactivate(coupon=coupon)
            audit.record(
                actor=request.user,
                action="coupon_deactivated",
                target=coupon,
                before={"is_active": was_active},
                after={"is_active": False},
            )
        self.message_user(request, f"{queryset.count()} coupon(s) deactivated.", messages.SUCCESS)

    @admin.action(description="Export the usages of the selected coupons (CSV)")
    def export_usages(self, request, queryset):
        usages = CouponUsage.objects.filter(coupon__in=queryset).order_by("coupon__code", "reserved_at", "id")
        return usages_csv(usages, f"coupon-usages-{timezone.now():%Y%m%d-%H%M}.csv")

    def get_urls(self):
        return [
            path("campaign/", self.admin_site.admin_view(self.campaign_view), name="coupons_coupon_campaign"),
            *super().get_urls(),
        ]

    def campaign_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CampaignForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                coupons = services.create_campaign(**form.service_arguments())
            except DomainError as exc:
                form.add_service_error(exc)
            else:
                for coupon in coupons:
                    audit.record(
                        actor=request.user,
                        action="coupon_created",
                        target=coupon,
                        before={},
                        after=audit.snapshot(coupon, self.AUDITED_FIELDS),
                    )
                prefix = coupons[0].code.rsplit("-", 1)[0]
                self.message_user(request, f"{len(coupons)} single-use codes created ({prefix}-…).", messages.SUCCESS)
                return redirect(f"{reverse('admin:coupons_coupon_changelist')}?q={prefix}-")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.model._meta,
            "title": "Campaign: create single-use codes",
        }
        return render(request, "coupons/admin/campaign.html", context)


class CampaignForm(forms.Form):
    """The terms shared by every code of a batch. Amounts in major units (e.g. 5.00 EUR)."""

    PREFIX_MAX = CODE_MAX_LENGTH - 9  # room for "-" and the 8 random characters

    prefix = forms.CharField(max_length=PREFIX_MAX, validators=[CODE_VALIDATOR], help_text="Codes look like PREFIX-7KQ2MZP4")
    count = forms.IntegerField(min_value=1, max_value=services.CAMPAIGN_MAX_CODES)
    name = forms.CharField(max_length=120)
    discount_type = forms.ChoiceField(choices=Coupon.DiscountType.choices)
    percent_off = forms.DecimalField(required=False, max_digits=5, decimal_places=2, help_text="For a percentage")
    amount_off = forms.DecimalField(required=False, decimal_places=2, help_text="For a fixed amount, in major units")
    currency = forms.ChoiceField(required=False, choices=[("", "—"), *[(c, c) for c in settings.SUPPORTED_CURRENCIES]])
    valid_from = forms.DateTimeField(initial=timezone.now)
    valid_to = forms.DateTimeField(required=False)
    eligibility = forms.ChoiceField(choices=Coupon.Eligibility.choices)
    duration = forms.ChoiceField(choices=Coupon.Duration.choices, help_text="For subscriptions")
    duration_months = forms.IntegerField(required=False, min_value=1, max_value=120)
    minimum_amount = forms.DecimalField(required=False, decimal_places=2, min_value=0, help_text="Major units")
    minimum_currency = forms.ChoiceField(required=False, choices=[("", "—"), *[(c, c) for c in settings.SUPPORTED_CURRENCIES]])

    def clean(self):
        data = super().clean()
        if bool(data.get("minimum_amount")) != bool(data.get("minimum_currency")):
            self.add_error("minimum_currency", "Give both the minimum and its currency, or neither.")
        if data.get("amount_off") is not None and not data.get("currency"):
            self.add_error("currency", "A fixed discount needs the currency of its amount.")
        return data

    def service_arguments(self):
        data = self.cleaned_data
        fixed = data["discount_type"] == Coupon.DiscountType.FIXED_AMOUNT
        minimums = []
        if data.get("minimum_currency"):
            minimums = [
                {"currency": data["minimum_currency"], "amount": to_minor(data["minimum_amount"], data["minimum_currency"])}
            ]
        return {
            "prefix": data["prefix"],
            "count": data["count"],
            "name": data["name"],
            "discount_type": data["discount_type"],
            "percent_off": None if fixed else data.get("percent_off"),
            "amount_off": to_minor(data["amount_off"], data["currency"])
            if fixed and data.get("amount_off") is not None
            else None,
            "currency": data.get("currency") if fixed else "",
            "valid_from": data["valid_from"],
            "valid_to": data.get("valid_to"),
            "eligibility": data["eligibility"],
            "duration": data["duration"],
            "duration_months": data.get("duration_months"),
            "minimums": minimums,
        }

    def add_service_error(self, exc):
        placed = False
        for field, errors in exc.fields.items():
            if field in self.fields:
                for error in errors:
                    self.add_error(field, error)
                placed = True
        if not placed:
            self.add_error(None, exc.message)


@admin.register(CouponUsage)
class CouponUsageAdmin(admin.ModelAdmin):
    """Read-only ledger: reservations are confirmed or released by the order's payment or cancellation."""

    list_display = [
        "coupon",
        "organization",
        "target_type",
        "target_id",
        "status",
        "original_amount",
        "discount",
        "final_amount",
        "currency",
        "reserved_at",
    ]
    list_filter = ["status", "target_type", "currency"]
    search_fields = ["coupon__code", "organization__name", "organization__slug", "target_id"]
    date_hierarchy = "reserved_at"
    list_select_related = ["coupon", "organization"]
    actions = ["export_csv"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Export the selected usages (CSV)")
    def export_csv(self, request, queryset):
        return usages_csv(queryset.order_by("reserved_at", "id"), f"coupon-usages-{timezone.now():%Y%m%d-%H%M}.csv")
