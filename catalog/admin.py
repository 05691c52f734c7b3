"""Staff screens for the shop. Orders are read-only records: their state changes only through the
actions below, which call the services (cancel releases stock, refund records the amount)."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from catalog import services
from catalog.models import Cart, CartItem, Category, Order, OrderLine, Product, ProductPrice
from core import permissions
from core.admin_mixins import run_service_action

AUDITED_FIELDS = ["status", "refunded_amount"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent", "ordering", "product_count"]
    list_filter = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent").annotate(product_count=Count("products"))

    @admin.display(ordering="product_count", description=_("Products"))
    def product_count(self, category):
        return category.product_count


class ProductPriceInline(admin.TabularInline):
    model = ProductPrice
    extra = 0
    min_num = 1


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "category", "vat_rate", "stock", "popularity", "is_active", "is_featured", "created_at"]
    list_filter = ["kind", "is_active", "is_featured", "category"]
    list_editable = ["is_active", "is_featured"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["category"]
    readonly_fields = ["popularity", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [ProductPriceInline]
    list_select_related = ["category"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "category",
                    "kind",
                    "description",
                    "image",
                    "vat_rate",
                    "is_active",
                    "is_featured",
                    "stock",
                ]
            },
        ),
        (
            _("What the customer receives"),
            {"fields": ["credits", "download", "job_kind", "job_provider", "job_model", "job_prompt", "job_params"]},
        ),
        (_("Figures"), {"fields": ["popularity", "created_at", "updated_at"]}),
    ]
    actions = ["withdraw"]

    @admin.action(description=_("Withdraw from sale"), permissions=["change"])
    def withdraw(self, request, queryset):
        count = services.withdraw(products=queryset)
        self.message_user(
            request, ngettext("%(count)d product withdrawn.", "%(count)d products withdrawn.", count) % {"count": count}
        )


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = [
        "product_name",
        "kind",
        "quantity",
        "unit_amount",
        "discount_amount",
        "vat_rate",
        "vat_amount",
        "total_amount",
        "job_ids",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "organization",
        "user",
        "status",
        "total",
        "currency",
        "payment_method",
        "created_at",
        "fulfilment_error",
    ]
    list_filter = ["status", "currency", "payment_method", "created_at", "organization", "lines__product"]
    search_fields = ["number", "user__email", "billing_email", "organization__name"]
    date_hierarchy = "created_at"
    list_select_related = ["organization", "user"]
    inlines = [OrderLineInline]
    actions = ["cancel", "refund", "retry_fulfilment"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Order._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_void_permission(self, request):  # canceling voids the order's invoice
        return request.user.has_perm(permissions.CHANGE_INVOICES)

    def has_refund_permission(self, request):
        return request.user.has_perm(permissions.REFUND)

    def get_queryset(self, request):
        # The product filter follows order lines: one row per order all the same.
        return super().get_queryset(request).distinct()

    def _apply(self, request, queryset, action, done_message, audit_action=None):
        """Run a service on each order; money-changing actions go to the audit log."""
        run_service_action(
            self,
            request,
            queryset,
            action,
            done_message=done_message,
            audit_action=audit_action,
            audit_fields=AUDITED_FIELDS,
        )

    @admin.action(description=_("Cancel (unpaid orders: voids the invoice, releases limited units)"), permissions=["void"])
    def cancel(self, request, queryset):
        def cancel(order):
            services.request_cancel(order=order, reason=_("Canceled by staff"), user=request.user)

        self._apply(
            request,
            queryset,
            cancel,
            ngettext_lazy("%(count)d order canceled.", "%(count)d orders canceled.", "count"),
            audit_action="order_canceled",
        )

    @admin.action(
        description=_("Refund what is left through the payment provider (issues the credit note)"), permissions=["refund"]
    )
    def refund(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda order: services.refund_order_payment(order=order, user=request.user),
            ngettext_lazy("%(count)d order refunded.", "%(count)d orders refunded.", "count"),
            audit_action="order_refunded",
        )

    @admin.action(description=_("Retry the delivery of paid orders"), permissions=["change"])
    def retry_fulfilment(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda order: services.fulfil(order=order),
            ngettext_lazy("%(count)d order fulfilled.", "%(count)d orders fulfilled.", "count"),
        )


class CartItemInline(admin.TabularInline):
    model = CartItem
    extra = 0
    autocomplete_fields = ["product"]


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["pk", "organization", "user", "updated_at"]
    list_filter = ["updated_at"]
    search_fields = ["user__email", "organization__name"]
    list_select_related = ["organization", "user"]
    autocomplete_fields = ["organization", "user"]
    inlines = [CartItemInline]
