"""The storefront: categories, products and their prices, carts, and orders.

Money is stored in minor units with its currency (core.money). An order freezes each line's
price, VAT and discount when it is placed; its status only moves through `ORDER_MACHINE`
(catalog.services has one function per transition).
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.money import CURRENCIES as CURRENCY_CODES
from core.money import CURRENCY_CHOICES
from core.search import Searchable
from core.state import StateMachine

CURRENCIES = CURRENCY_CHOICES
# Each currency's price is also a column of Product, kept equal to ProductPrice by database
# triggers (migration 0007), so that lists filter and sort on an indexed column.
PRICE_COLUMNS = {"EUR": "price_eur", "XOF": "price_xof"}


def download_path(product, filename):
    """An unguessable storage name: the file is only handed out by the order's download view."""
    return f"catalog/downloads/{secrets.token_hex(16)}/{filename}"


class Category(models.Model):
    name = models.CharField(max_length=120, verbose_name=_("name"))
    slug = models.SlugField(max_length=120, unique=True, verbose_name=_("slug"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    # One level of sub-categories only (checked in clean()).
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    ordering = models.PositiveIntegerField(default=0, help_text=_("Smaller numbers come first."), verbose_name=_("ordering"))

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["ordering", "name"]

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    def clean(self):
        if not self.parent_id:
            return
        if self.parent.parent_id or self.parent_id == self.pk:
            raise ValidationError({"parent": _("Sub-categories go one level deep: choose a top-level category.")})
        if self.pk and self.children.exists():
            raise ValidationError({"parent": _("This category has sub-categories, so it stays at the top level.")})


class Product(Searchable):
    """Searchable (core.search): on PostgreSQL its vectors are kept by a trigger (migrations 0008, 0011)."""

    SEARCH_SOURCES = {"name", "category", "description"}

    # The name alone, kept by the same trigger (migration 0011): a broad search lists name matches first.
    search_title = SearchVectorField(null=True, editable=False)

    class Kind(models.TextChoices):
        CREDITS = "credits", _("Credit pack")
        DIGITAL = "digital", _("Digital download")
        SERVICE = "service", _("Generation service")

    name = models.CharField(max_length=200, verbose_name=_("name"))
    slug = models.SlugField(max_length=200, unique=True, verbose_name=_("slug"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category"))
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    vat_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Percent, e.g. 20.00"),
        verbose_name=_("VAT rate"),
    )
    image = models.ImageField(upload_to="catalog/images/", blank=True, verbose_name=_("image"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    is_featured = models.BooleanField(default=False, help_text=_("Shown on the shop's home page."), verbose_name=_("is featured"))
    # None = unlimited; otherwise the units left of a limited offer, reserved when an order is placed.
    stock = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Units left of a limited offer; empty = unlimited."), verbose_name=_("stock")
    )
    popularity = models.PositiveIntegerField(
        default=0, editable=False, help_text=_("Units paid so far."), verbose_name=_("popularity")
    )
    # What fulfilment delivers, per kind.
    credits = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Credits per unit (credit packs)."), verbose_name=_("credits")
    )
    download = models.FileField(
        upload_to=download_path,
        max_length=200,
        blank=True,
        help_text=_("The file sold (digital products)."),
        verbose_name=_("download"),
    )
    job_kind = models.CharField(
        max_length=30, blank=True, help_text=_("Generation kind, e.g. ebook (services)."), verbose_name=_("job kind")
    )
    job_provider = models.CharField(max_length=50, blank=True, verbose_name=_("job provider"))
    job_model = models.CharField(max_length=100, blank=True, verbose_name=_("job model"))
    job_prompt = models.TextField(blank=True, verbose_name=_("job prompt"))
    job_params = models.JSONField(default=dict, blank=True, verbose_name=_("job params"))
    price_eur = models.PositiveBigIntegerField(null=True, blank=True, editable=False, verbose_name=_("price (EUR)"))
    price_xof = models.PositiveBigIntegerField(null=True, blank=True, editable=False, verbose_name=_("price (XOF)"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-popularity", "name"]
        indexes = [
            models.Index(fields=["is_active", "category"]),
            models.Index(fields=["-created_at"]),
            # The shop's lists: what is on sale in a currency, in the default order or by price.
            *(
                index
                for column in PRICE_COLUMNS.values()
                for index in (
                    models.Index(
                        fields=["-popularity", "name", "id"],
                        condition=Q(is_active=True, **{f"{column}__isnull": False}),
                        name=f"product_shop_{column}",
                    ),
                    models.Index(fields=[column, "name", "id"], condition=Q(is_active=True), name=f"product_{column}"),
                )
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["credits", "digital", "service"]), name="product_kind_valid"),
            models.CheckConstraint(condition=~Q(kind="credits") | Q(credits__gt=0), name="product_credit_pack_has_credits"),
        ]

    def __str__(self):
        return self.name

    def words_for_search(self):
        return f"{self.name} {self.category.name if self.category_id else ''} {self.description}"

    @classmethod
    def titles_for_suggestions(cls):
        return cls.objects.filter(is_active=True).values_list("name", flat=True)

    def clean(self):
        if self.kind == self.Kind.CREDITS and not self.credits:
            raise ValidationError({"credits": _("A credit pack needs its number of credits.")})
        if self.kind == self.Kind.DIGITAL and not self.download:
            raise ValidationError({"download": _("A digital product needs its file.")})
        if self.kind == self.Kind.SERVICE and not (self.job_kind and self.job_provider):
            raise ValidationError({"job_kind": _("A generation service needs the kind of job it starts and its provider.")})

    @property
    def sold_out(self):
        return self.stock == 0


class ProductPrice(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices", verbose_name=_("product"))
    currency = models.CharField(max_length=3, choices=CURRENCIES, verbose_name=_("currency"))
    amount = models.PositiveBigIntegerField(
        help_text=_("In minor units: cents for EUR, francs for XOF."), verbose_name=_("amount")
    )

    class Meta:
        verbose_name = _("product price")
        verbose_name_plural = _("product prices")
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(fields=["product", "currency"], name="product_price_one_per_currency"),
            models.CheckConstraint(condition=Q(currency__in=CURRENCY_CODES), name="product_price_currency_supported"),
        ]

    def __str__(self):
        return f"{self.product} {self.amount} {self.currency}"


class Cart(models.Model):
    """A visitor's cart. Anonymous carts have no owner (their id lives in the session) and are
    merged into the user's cart at login; a signed-in user has one cart per organization."""

    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="carts",
        verbose_name=_("organization"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="carts", verbose_name=_("user")
    )
    # Checked again by the coupons app each time the cart is priced.
    coupon_code = models.CharField(max_length=40, blank=True, verbose_name=_("coupon code"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="cart_one_per_user_and_organization"),
            models.CheckConstraint(
                condition=Q(organization__isnull=True, user__isnull=True) | Q(organization__isnull=False, user__isnull=False),
                name="cart_owned_by_user_and_organization_or_anonymous",
            ),
        ]

    def __str__(self):
        return f"Cart {self.pk} ({self.user or 'anonymous'})"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items", verbose_name=_("cart"))
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", verbose_name=_("product"))
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    # What the customer wants made (generation services): the job's prompt instead of the product's.
    brief = models.TextField(blank=True, max_length=2000, verbose_name=_("brief"))
    added_at = models.DateTimeField(auto_now_add=True, verbose_name=_("added at"))

    class Meta:
        verbose_name = _("cart item")
        verbose_name_plural = _("cart items")
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="cart_item_one_per_product"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_item_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"


ORDER_MACHINE = StateMachine(
    {
        "pending": {"paid", "canceled"},
        "paid": {"fulfilled", "refunded"},
        "fulfilled": {"refunded"},
        # A partly refunded order may be refunded again, up to its total.
        "refunded": {"refunded"},
    }
)


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("order status", "Pending payment")
        PAID = "paid", pgettext_lazy("order status", "Paid")
        FULFILLED = "fulfilled", pgettext_lazy("order status", "Fulfilled")
        CANCELED = "canceled", pgettext_lazy("order status", "Canceled")
        REFUNDED = "refunded", pgettext_lazy("order status", "Refunded")

    class PaymentMethod(models.TextChoices):
        # What the customer prefers; billing's payment page takes the payment itself.
        CARD = "card", _("Card")
        MOBILE_MONEY = "mobile_money", _("Mobile money")

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="orders", verbose_name=_("organization")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="orders", verbose_name=_("user")
    )
    # Set from the primary key right after insert: CMD-000001.
    number = models.CharField(max_length=20, unique=True, null=True, editable=False, verbose_name=_("number"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status"))
    currency = models.CharField(max_length=3, choices=CURRENCIES, verbose_name=_("currency"))
    subtotal = models.BigIntegerField(default=0, verbose_name=_("subtotal"))
    discount = models.BigIntegerField(default=0, verbose_name=_("discount"))
    vat = models.BigIntegerField(default=0, verbose_name=_("vat"))
    total = models.BigIntegerField(default=0, verbose_name=_("total"))
    refunded_amount = models.BigIntegerField(default=0, verbose_name=_("refunded amount"))
    # Credits of its packs that refunds took back, and those already spent when they came (kept).
    credits_taken_back = models.PositiveIntegerField(default=0, verbose_name=_("credits taken back"))
    credits_spent_before_refund = models.PositiveIntegerField(default=0, verbose_name=_("credits spent before the refund"))
    # Billing details frozen at checkout (prefilled from the organization).
    billing_name = models.CharField(max_length=200, verbose_name=_("billing name"))
    billing_email = models.EmailField(verbose_name=_("billing email"))
    billing_address = models.TextField(blank=True, verbose_name=_("billing address"))
    vat_number = models.CharField(_("VAT number"), max_length=30, blank=True)
    payment_method = models.CharField(max_length=20, choices=PaymentMethod.choices, verbose_name=_("payment method"))
    coupon_code = models.CharField(max_length=40, blank=True, verbose_name=_("coupon code"))
    # Why the last delivery attempt failed (the payment stands; staff retry from the admin).
    fulfilment_error = models.CharField(max_length=255, blank=True, verbose_name=_("fulfilment error"))
    # Billing's invoice for this order (billing owns it; the id is how we link to it).
    invoice_id = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("invoice id"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))
    fulfilled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("fulfilled at"))
    canceled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("canceled at"))
    refunded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("refunded at"))

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "-created_at"]), models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(discount__gte=0) & Q(vat__gte=0), name="order_amounts_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("total")), name="order_refund_within_total"
            ),
            models.CheckConstraint(condition=Q(currency__in=CURRENCY_CODES), name="order_currency_supported"),
        ]

    def __str__(self):
        return self.number or f"Order {self.pk}"

    @property
    def is_downloadable(self):
        """Delivered and not wholly refunded: a partial refund keeps what was delivered."""
        return self.status == self.Status.FULFILLED

    @property
    def is_partly_refunded(self):
        return 0 < self.refunded_amount < self.total


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines", verbose_name=_("product"))
    product_name = models.CharField(max_length=200, verbose_name=_("product name"))
    kind = models.CharField(max_length=10, choices=Product.Kind.choices, verbose_name=_("kind"))
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    unit_amount = models.BigIntegerField(verbose_name=_("unit amount"))
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, verbose_name=_("VAT rate"))
    discount_amount = models.BigIntegerField(default=0, verbose_name=_("discount amount"))
    vat_amount = models.BigIntegerField(verbose_name=_("vat amount"))
    total_amount = models.BigIntegerField(help_text=_("Quantity × unit price − discount + VAT."), verbose_name=_("total amount"))
    brief = models.TextField(blank=True, verbose_name=_("brief"))
    # The generation jobs a service line started (generation owns them).
    job_ids = models.JSONField(default=list, blank=True, verbose_name=_("job ids"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive")]

    def __str__(self):
        return f"{self.quantity} × {self.product_name}"

    @property
    def subtotal(self):
        return self.unit_amount * self.quantity
