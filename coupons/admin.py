"""Back office for coupons: filters (active, type, expired, exhausted), per-currency minimums,
read-only usage history and statistics, CSV export of usages, and campaign batches of single-use
codes. Writes that matter (deactivate, campaigns) go through coupons.services."""

import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core import audit
from core.admin_mixins import ReadOnlyAdminMixin
from core.errors import DomainError, ValidationFailed
from core.money import format_money, to_decimal, to_minor
from coupons import selectors, services
from coupons.models import CODE_MAX_LENGTH, CODE_VALIDATOR, CURRENCIES, Coupon, CouponMinimum, CouponUsage

CSV_COLUMNS = [
    "coupon", "organization", "user", "target_type", "target_id", "invoice", "status", "currency",
    "original_amount", "discount", "final_amount", "reserved_at", "confirmed_at", "released_at",
]  # fmt: skip


def _csv_cell(value):
    """Spreadsheets run a cell starting with = + - @ as a formula: quote such text cells."""
    text = "" if value is None else str(value)
    return f"'{text}" if isinstance(value, str) and text[:1] in ("=", "+", "-", "@") else text


def usages_csv(usages, filename):
    """One row per usage, in the order given; amounts in the currency's units (12.50 EUR, 6555 XOF)."""
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
                to_decimal(usage.original_amount, usage.currency),
                to_decimal(usage.discount, usage.currency),
                to_decimal(usage.final_amount, usage.currency),
                usage.reserved_at.isoformat(),
                usage.confirmed_at and usage.confirmed_at.isoformat(),
                usage.released_at and usage.released_at.isoformat(),
            )  # fmt: skip
        )
    return response


class ExpiredFilter(admin.SimpleListFilter):
    title = _("expired")
    parameter_name = "expired"

    def lookups(self, request, model_admin):
        return [("yes", _("Expired")), ("no", _("Not expired"))]

    def queryset(self, request, queryset):
        expired = Q(valid_to__lte=timezone.now())
        if self.value() == "yes":
            return queryset.filter(expired)
        if self.value() == "no":
            return queryset.exclude(expired)
        return queryset


class ExhaustedFilter(admin.SimpleListFilter):
    title = _("exhausted")
    parameter_name = "exhausted"

    def lookups(self, request, model_admin):
        return [("yes", _("All uses taken")), ("no", _("Uses left"))]

    def queryset(self, request, queryset):
        exhausted = Q(max_uses__gt=0, uses__gte=F("max_uses"))
        if self.value() == "yes":
            return queryset.filter(exhausted)
        if self.value() == "no":
            return queryset.exclude(exhausted)
        return queryset


def _to_minor(form, field, value, currency):
    """A major-unit amount typed by staff, in minor units; a form error when it has too many decimals."""
    try:
        return to_minor(value, currency)
    except ValidationFailed as exc:
        form.add_error(field, exc.message)
        return None


class CouponMinimumForm(forms.ModelForm):
    amount = forms.DecimalField(label=_("Minimum amount"), min_value=0, help_text=_("In the currency's units, e.g. 10.00 EUR."))

    class Meta:
        model = CouponMinimum
        fields = ["currency", "amount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["amount"] = to_decimal(self.instance.amount, self.instance.currency)

    def clean(self):
        data = super().clean()
        if data.get("amount") is not None and data.get("currency"):
            data["amount"] = _to_minor(self, "amount", data["amount"], data["currency"])
        return data


class CouponMinimumInline(admin.TabularInline):
    model = CouponMinimum
    form = CouponMinimumForm
    extra = 0
    verbose_name_plural = _("Minimum purchase per currency (none = any amount in any currency)")


class UsageAmountsMixin:
    """A usage's amounts as people read them (the rows keep minor units)."""

    @admin.display(description=_("Original amount"), ordering="original_amount")
    def original_display(self, usage):
        return format_money(usage.original_amount, usage.currency)

    @admin.display(description=_("Discount"), ordering="discount")
    def usage_discount_display(self, usage):
        return format_money(usage.discount, usage.currency)

    @admin.display(description=_("Final amount"), ordering="final_amount")
    def final_display(self, usage):
        return format_money(usage.final_amount, usage.currency)


def _scope_field(kind, label, help_text=""):
    """A coupon's scope picked among what exists (plans, products, categories), stored as references."""
    return forms.MultipleChoiceField(
        label=capfirst(label),
        required=False,
        help_text=help_text,
        choices=lambda: selectors.scope_choices(kind),
        widget=FilteredSelectMultiple(label, is_stacked=False),
    )


class CouponAdminForm(forms.ModelForm):
    """The fixed discount in the currency's units (20.00 EUR), like the campaign form."""

    amount_off = forms.DecimalField(
        label=_("Amount off"), required=False, min_value=0, help_text=_("Fixed-amount coupons, in the currency's units.")
    )
    plans = _scope_field("plans", _("plans"), _("Empty = every plan"))
    products = _scope_field("products", _("products"))
    categories = _scope_field("categories", _("categories"), _("With products: empty both = every item"))

    class Meta:
        model = Coupon
        fields = [
            "code", "name", "description", "is_active", "discount_type", "percent_off", "amount_off", "currency",
            "duration", "duration_months", "valid_from", "valid_to", "max_uses", "max_uses_per_organization",
            "eligibility", "first_payment_only", "plans", "products", "categories",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.amount_off is not None and self.instance.currency:
            self.initial["amount_off"] = to_decimal(self.instance.amount_off, self.instance.currency)

    def clean(self):
        data = super().clean()
        if data.get("amount_off") is not None and data.get("currency"):
            data["amount_off"] = _to_minor(self, "amount_off", data["amount_off"], data["currency"])
        return data


class CouponUsageInline(UsageAmountsMixin, admin.TabularInline):
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
        "original_display",
        "usage_discount_display",
        "final_display",
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
    form = CouponAdminForm
    list_display = ["code", "name", "discount_display", "uses_display", "eligibility", "valid_from", "valid_to", "is_active"]
    list_filter = ["is_active", "discount_type", ExpiredFilter, ExhaustedFilter, "eligibility", "duration"]
    search_fields = ["code", "name"]
    date_hierarchy = "created_at"
    readonly_fields = ["uses", "statistics", "created_at", "updated_at"]
    inlines = [CouponMinimumInline, CouponUsageInline]
    actions = ["deactivate", "export_usages"]
    fieldsets = [
        (None, {"fields": ["code", "name", "description", "is_active"]}),
        (_("Discount"), {"fields": ["discount_type", "percent_off", "amount_off", "currency", "duration", "duration_months"]}),
        (_("Validity and limits"), {"fields": ["valid_from", "valid_to", "max_uses", "max_uses_per_organization", "uses"]}),
        (_("Who and what"), {"fields": ["eligibility", "first_payment_only", "plans", "products", "categories"]}),
        (_("Statistics"), {"fields": ["statistics", "created_at", "updated_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Usages name the coupon by its code on invoices and exports: once used, the code stays.
        used = obj is not None and obj.usages.exists()
        return [*self.readonly_fields, "code"] if used else self.readonly_fields

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.terms_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.terms_changed()

    def has_delete_permission(self, request, obj=None):
        # A used coupon keeps its history (the usages protect it): deactivate it instead.
        return super().has_delete_permission(request, obj) and not (obj and obj.usages.exists())

    @admin.display(description=_("Discount"))
    def discount_display(self, obj):
        if obj.discount_type == Coupon.DiscountType.PERCENTAGE:
            return f"{obj.percent_off.normalize():f} %"
        return format_money(obj.amount_off, obj.currency)

    @admin.display(description=_("Uses"), ordering="uses")
    def uses_display(self, obj):
        return f"{obj.uses} / {obj.max_uses or '∞'}"

    @admin.display(description=_("Statistics"))
    def statistics(self, obj):
        """Confirmed (paid) uses per currency, what they granted and the revenue they brought, and
        the share of the shop's paid checkouts that used the code."""
        if obj.pk is None:
            return "—"
        stats = selectors.usage_stats(coupon=obj)
        share = stats["checkout_share"]
        summary = gettext(
            "%(confirmed)s confirmed, %(reserved)s reserved (not paid yet), %(released)s released. "
            "Used in %(share)s of the shop's paid checkouts."
        ) % {
            "confirmed": stats["confirmed"],
            "reserved": stats["reserved"],
            "released": stats["released"],
            "share": "—" if share is None else f"{share} %",
        }
        headings = [gettext("Currency"), gettext("Paid uses"), gettext("Discount granted"), gettext("Revenue with it")]
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
        return format_html(
            "<p>{}</p><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            summary, *headings, rows,
        )  # fmt: skip

    AUDITED_FIELDS = services.AUDITED_FIELDS

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(Coupon.objects.get(pk=obj.pk), self.AUDITED_FIELDS) if change else {}
        super().save_model(request, obj, form, change)
        services.terms_changed()
        before, after = audit.changed(before, audit.snapshot(obj, self.AUDITED_FIELDS))
        if after:
            audit.record(
                actor=request.user,
                action="coupon_changed" if change else "coupon_created",
                target=obj,
                before=before,
                after=after,
            )

    @admin.action(description=_("Deactivate the selected coupons"), permissions=["change"])
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
        count = queryset.count()
        message = ngettext("%(count)d coupon deactivated.", "%(count)d coupons deactivated.", count) % {"count": count}
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Export the usages of the selected coupons (CSV)"), permissions=["view"])
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
                message = ngettext(
                    "%(count)d single-use code created (%(prefix)s-…).",
                    "%(count)d single-use codes created (%(prefix)s-…).",
                    len(coupons),
                ) % {"count": len(coupons), "prefix": prefix}
                self.message_user(request, message, messages.SUCCESS)
                return redirect(f"{reverse('admin:coupons_coupon_changelist')}?q={prefix}-")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.model._meta,
            "title": gettext("Campaign: create single-use codes"),
        }
        return render(request, "coupons/admin/campaign.html", context)


class CampaignForm(forms.Form):
    """The terms shared by every code of a batch. Amounts in major units (e.g. 5.00 EUR)."""

    PREFIX_MAX = CODE_MAX_LENGTH - 9  # room for "-" and the 8 random characters

    prefix = forms.CharField(
        label=_("Prefix"), max_length=PREFIX_MAX, validators=[CODE_VALIDATOR], help_text=_("Codes look like PREFIX-7KQ2MZP4")
    )
    count = forms.IntegerField(label=_("Number of codes"), min_value=1, max_value=services.CAMPAIGN_MAX_CODES)
    name = forms.CharField(label=_("Name"), max_length=120)
    discount_type = forms.ChoiceField(label=_("Discount type"), choices=Coupon.DiscountType.choices)
    percent_off = forms.DecimalField(
        label=_("Percent off"), required=False, max_digits=5, decimal_places=2, help_text=_("For a percentage")
    )
    amount_off = forms.DecimalField(
        label=_("Amount off"), required=False, decimal_places=2, help_text=_("For a fixed amount, in the currency's units")
    )
    currency = forms.ChoiceField(label=_("Currency"), required=False, choices=[("", "—"), *CURRENCIES])
    valid_from = forms.DateTimeField(label=_("Valid from"), initial=timezone.now)
    valid_to = forms.DateTimeField(label=_("Valid to"), required=False)
    eligibility = forms.ChoiceField(label=_("Eligibility"), choices=Coupon.Eligibility.choices)
    duration = forms.ChoiceField(label=_("Duration"), choices=Coupon.Duration.choices, help_text=_("For subscriptions"))
    duration_months = forms.IntegerField(label=_("Duration (months)"), required=False, min_value=1, max_value=120)
    minimum_amount = forms.DecimalField(
        label=_("Minimum amount"), required=False, decimal_places=2, min_value=0, help_text=_("In the currency's units")
    )
    minimum_currency = forms.ChoiceField(label=_("Currency of the minimum"), required=False, choices=[("", "—"), *CURRENCIES])

    def clean(self):
        data = super().clean()
        if bool(data.get("minimum_amount")) != bool(data.get("minimum_currency")):
            self.add_error("minimum_currency", _("Give both the minimum and its currency, or neither."))
        if data.get("amount_off") is not None and not data.get("currency"):
            self.add_error("currency", _("A fixed discount needs the currency of its amount."))
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
class CouponUsageAdmin(UsageAmountsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only ledger: reservations are confirmed or released by the order's payment or cancellation."""

    list_display = [
        "coupon",
        "organization",
        "target_type",
        "target_id",
        "status",
        "original_display",
        "usage_discount_display",
        "final_display",
        "reserved_at",
    ]
    list_filter = ["status", "target_type", "currency"]
    search_fields = ["coupon__code", "organization__name", "organization__slug", "target_id"]
    date_hierarchy = "reserved_at"
    list_select_related = ["coupon", "organization"]
    actions = ["export_csv"]

    @admin.action(description=_("Export the selected usages (CSV)"), permissions=["view"])
    def export_csv(self, request, queryset):
        return usages_csv(queryset.order_by("reserved_at", "id"), f"coupon-usages-{timezone.now():%Y%m%d-%H%M}.csv")
