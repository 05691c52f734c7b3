"""Promo codes and their redemptions.

Money is integer minor units plus an ISO currency (core.money). The use counter `Coupon.uses`
only moves in coupons.services (conditional F() update under the coupon's row lock); the DB
constraints below are the last line of defence for every invariant.

Applicable plans, products and categories are many-to-many relations rather than lists of codes:
the database keeps them consistent when a product or plan is renamed or removed, the admin and
the API validate them for free, and checking a cart against them costs one small query each.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.state import StateMachine

CURRENCIES = [(c, c) for c in settings.SUPPORTED_CURRENCIES]
CODE_MAX_LENGTH = 50
CODE_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]*$", "Use letters, digits, “-” and “_” only, starting with a letter or digit."
)


class Coupon(models.Model):
    class DiscountType(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage"
        FIXED_AMOUNT = "fixed_amount", "Fixed amount"

    class Eligibility(models.TextChoices):
        ALL = "all", "All customers"
        NEW_CUSTOMERS = "new_customers", "New customers (no paid invoice yet)"
        EXISTING_CUSTOMERS = "existing_customers", "Existing customers (at least one paid invoice)"

    class Duration(models.TextChoices):
        ONCE = "once", "Once"
        REPEATING = "repeating", "Repeating (N months)"
        FOREVER = "forever", "Forever"

    code = models.CharField(
        max_length=CODE_MAX_LENGTH,
        unique=True,
        validators=[CODE_VALIDATOR],
        help_text="Letters, digits, - and _; stored upper-case and matched case-insensitively",
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    discount_type = models.CharField(max_length=12, choices=DiscountType.choices)
    percent_off = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Percentage coupons: 0 < % ≤ 100"
    )
    amount_off = models.BigIntegerField(null=True, blank=True, help_text="Fixed-amount coupons: minor units of `currency`")
    currency = models.CharField(max_length=3, choices=CURRENCIES, blank=True, help_text="Required for fixed amounts")
    valid_from = models.DateTimeField(default=timezone.now)
    valid_to = models.DateTimeField(null=True, blank=True, help_text="Empty = no end")
    max_uses = models.PositiveIntegerField(default=0, help_text="0 = unlimited")
    max_uses_per_organization = models.PositiveIntegerField(default=0, help_text="0 = unlimited")
    uses = models.PositiveIntegerField(default=0, editable=False, help_text="Reserved and confirmed redemptions")
    plans = models.ManyToManyField("billing.Plan", blank=True, related_name="+", help_text="Empty = every plan")
    products = models.ManyToManyField("catalog.Product", blank=True, related_name="+")
    categories = models.ManyToManyField(
        "catalog.Category", blank=True, related_name="+", help_text="With products: empty both = every item"
    )
    eligibility = models.CharField(max_length=20, choices=Eligibility.choices, default=Eligibility.ALL)
    first_payment_only = models.BooleanField(
        default=False, help_text="Only on the organization's first paid order (or first paid subscription)"
    )
    duration = models.CharField(max_length=10, choices=Duration.choices, default=Duration.ONCE, help_text="Subscriptions")
    duration_months = models.PositiveSmallIntegerField(null=True, blank=True, help_text="For `repeating` only")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(code=models.functions.Upper("code")), name="coupon_code_upper_case"),
            models.CheckConstraint(condition=~Q(code=""), name="coupon_code_not_empty"),
            models.CheckConstraint(
                condition=(
                    Q(discount_type="percentage", percent_off__gt=0, percent_off__lte=100, amount_off__isnull=True, currency="")
                    | Q(
                        discount_type="fixed_amount",
                        amount_off__gt=0,
                        percent_off__isnull=True,
                        currency__in=settings.SUPPORTED_CURRENCIES,
                    )
                ),
                name="coupon_discount_consistent",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")), name="coupon_valid_to_after_from"
            ),
            models.CheckConstraint(condition=Q(max_uses=0) | Q(uses__lte=F("max_uses")), name="coupon_uses_within_max"),
            models.CheckConstraint(
                condition=Q(duration="repeating", duration_months__gt=0)
                | (~Q(duration="repeating") & Q(duration_months__isnull=True)),
                name="coupon_repeating_needs_months",
            ),
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        self.code = (self.code or "").strip().upper()
        super().save(*args, **kwargs)

    def clean(self):
        """The constraints below, as messages that say what to fix (admin forms and the API)."""
        self.code = (self.code or "").strip().upper()
        errors = {}
        if self.discount_type == self.DiscountType.PERCENTAGE:
            if self.percent_off is None or not 0 < self.percent_off <= 100:
                errors["percent_off"] = "A percentage must be above 0 and at most 100."
            if self.amount_off is not None:
                errors["amount_off"] = "Leave the amount empty for a percentage coupon."
            if self.currency:
                errors["currency"] = "A percentage coupon has no currency: set minimums per currency instead."
        elif self.discount_type == self.DiscountType.FIXED_AMOUNT:
            if self.amount_off is None or self.amount_off <= 0:
                errors["amount_off"] = "A fixed discount needs a positive amount in minor units."
            if not self.currency:
                errors["currency"] = "A fixed discount needs the currency of its amount."
            if self.percent_off is not None:
                errors["percent_off"] = "Leave the percentage empty for a fixed-amount coupon."
        if self.valid_to and self.valid_from and self.valid_to <= self.valid_from:
            errors["valid_to"] = "The end of validity must come after its start."
        if self.max_uses and self.uses > self.max_uses:
            errors["max_uses"] = f"Already used {self.uses} times: the maximum cannot be lower (0 = unlimited)."
        if self.duration == self.Duration.REPEATING and not self.duration_months:
            errors["duration_months"] = "A repeating coupon needs its number of months (1 or more)."
        if self.duration != self.Duration.REPEATING and self.duration_months is not None:
            errors["duration_months"] = "Months are only for a repeating coupon: leave them empty."
        if errors:
            raise ValidationError(errors)

    @property
    def is_expired(self):
        return self.valid_to is not None and self.valid_to <= timezone.now()

    @property
    def is_exhausted(self):
        return bool(self.max_uses) and self.uses >= self.max_uses


class CouponMinimum(models.Model):
    """The minimum purchase in one currency. A coupon with minimums applies only in the currencies
    it has one for: nothing is converted (an XOF cart against an EUR-only minimum is refused)."""

    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="minimums")
    currency = models.CharField(max_length=3, choices=CURRENCIES)
    amount = models.BigIntegerField(help_text="Minor units")

    class Meta:
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(fields=["coupon", "currency"], name="coupon_minimum_one_per_currency"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="coupon_minimum_positive"),
        ]

    def __str__(self):
        return f"{self.coupon_id} ≥ {self.amount} {self.currency}"


class CouponUsage(models.Model):
    class Status(models.TextChoices):
        RESERVED = "reserved", "Reserved"
        CONFIRMED = "confirmed", "Confirmed"
        RELEASED = "released", "Released"

    class Target(models.TextChoices):
        ORDER = "order", "Order"
        SUBSCRIPTION = "subscription", "Subscription"

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="usages")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="coupon_usages")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target_type = models.CharField(max_length=12, choices=Target.choices)
    target_id = models.CharField(max_length=64)
    invoice = models.ForeignKey("billing.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    original_amount = models.BigIntegerField()
    discount = models.BigIntegerField()
    final_amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCIES)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RESERVED, db_index=True)
    reserved_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-reserved_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"]), models.Index(fields=["coupon", "organization", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id"],
                condition=~Q(status="released"),
                name="coupon_usage_one_live_per_target",
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0, original_amount__gte=0, final_amount__gte=0)
                & Q(final_amount=F("original_amount") - F("discount")),
                name="coupon_usage_amounts_consistent",
            ),
        ]

    def __str__(self):
        return f"{self.coupon_id} on {self.target_type} {self.target_id} ({self.status})"


USAGE_MACHINE = StateMachine(
    {
        CouponUsage.Status.RESERVED: {CouponUsage.Status.CONFIRMED, CouponUsage.Status.RELEASED},
    }
)
