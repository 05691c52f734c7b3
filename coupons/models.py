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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import CURRENCIES as CURRENCY_CODES
from core.money import CURRENCY_CHOICES
from core.state import StateMachine

CURRENCIES = CURRENCY_CHOICES
CODE_MAX_LENGTH = 50
CODE_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]*$", _("Use letters, digits, “-” and “_” only, starting with a letter or digit.")
)


class Coupon(models.Model):
    class DiscountType(models.TextChoices):
        PERCENTAGE = "percentage", _("Percentage")
        FIXED_AMOUNT = "fixed_amount", _("Fixed amount")

    class Eligibility(models.TextChoices):
        ALL = "all", _("All customers")
        NEW_CUSTOMERS = "new_customers", _("New customers (no paid invoice yet)")
        EXISTING_CUSTOMERS = "existing_customers", _("Existing customers (at least one paid invoice)")

    class Duration(models.TextChoices):
        ONCE = "once", _("Once")
        REPEATING = "repeating", _("Repeating (N months)")
        FOREVER = "forever", _("Forever")

    code = models.CharField(
        _("code"),
        max_length=CODE_MAX_LENGTH,
        unique=True,
        validators=[CODE_VALIDATOR],
        help_text=_("Letters, digits, - and _; stored upper-case and matched case-insensitively"),
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    discount_type = models.CharField(_("discount type"), max_length=12, choices=DiscountType.choices)
    percent_off = models.DecimalField(
        _("percent off"), max_digits=5, decimal_places=2, null=True, blank=True, help_text=_("Percentage coupons: 0 < % ≤ 100")
    )
    # Minor units of `currency` (staff forms take and show major units: coupons.admin).
    amount_off = models.BigIntegerField(_("amount off"), null=True, blank=True, help_text=_("Fixed-amount coupons"))
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCIES, blank=True, help_text=_("Required for fixed amounts")
    )
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True, help_text=_("Empty = no end"))
    max_uses = models.PositiveIntegerField(_("max uses"), default=0, help_text=_("0 = unlimited"))
    max_uses_per_organization = models.PositiveIntegerField(
        _("max uses per organization"), default=0, help_text=_("0 = unlimited")
    )
    uses = models.PositiveIntegerField(_("uses"), default=0, editable=False, help_text=_("Reserved and confirmed redemptions"))
    # The scope, as references (plan codes, product and category slugs) rather than foreign keys:
    # coupons sit below the catalog and beside billing, and a reference names the same thing in a
    # cart, on an invoice line and here. What may be named comes from selectors.scope_choices.
    plans = models.JSONField(_("plans"), default=list, blank=True, help_text=_("Empty = every plan"))
    products = models.JSONField(_("products"), default=list, blank=True)
    categories = models.JSONField(
        _("categories"), default=list, blank=True, help_text=_("With products: empty both = every item")
    )
    eligibility = models.CharField(_("eligibility"), max_length=20, choices=Eligibility.choices, default=Eligibility.ALL)
    first_payment_only = models.BooleanField(
        _("first payment only"),
        default=False,
        help_text=_("Only on the organization's first paid order (or first paid subscription)"),
    )
    duration = models.CharField(
        _("duration"), max_length=10, choices=Duration.choices, default=Duration.ONCE, help_text=_("Subscriptions")
    )
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"), null=True, blank=True, help_text=_("For a repeating coupon only")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "code"]
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
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
                        currency__in=CURRENCY_CODES,
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
                errors["percent_off"] = gettext("A percentage must be above 0 and at most 100.")
            if self.amount_off is not None:
                errors["amount_off"] = gettext("Leave the amount empty for a percentage coupon.")
            if self.currency:
                errors["currency"] = gettext("A percentage coupon has no currency: set minimums per currency instead.")
        elif self.discount_type == self.DiscountType.FIXED_AMOUNT:
            if self.amount_off is None or self.amount_off <= 0:
                errors["amount_off"] = gettext("A fixed discount needs a positive amount.")
            if not self.currency:
                errors["currency"] = gettext("A fixed discount needs the currency of its amount.")
            if self.percent_off is not None:
                errors["percent_off"] = gettext("Leave the percentage empty for a fixed-amount coupon.")
        if self.valid_to and self.valid_from and self.valid_to <= self.valid_from:
            errors["valid_to"] = gettext("The end of validity must come after its start.")
        if self.max_uses and self.uses > self.max_uses:
            errors["max_uses"] = gettext("Already used %(uses)s times: the maximum cannot be lower (0 = unlimited).") % {
                "uses": self.uses
            }
        if self.duration == self.Duration.REPEATING and not self.duration_months:
            errors["duration_months"] = gettext("A repeating coupon needs its number of months (1 or more).")
        if self.duration != self.Duration.REPEATING and self.duration_months is not None:
            errors["duration_months"] = gettext("Months are only for a repeating coupon: leave them empty.")
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

    coupon = models.ForeignKey(Coupon, verbose_name=_("coupon"), on_delete=models.CASCADE, related_name="minimums")
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES)
    amount = models.BigIntegerField(_("amount"))  # minor units; the admin shows major ones

    class Meta:
        ordering = ["currency"]
        verbose_name = _("minimum purchase")
        verbose_name_plural = _("minimum purchases")
        constraints = [
            models.UniqueConstraint(fields=["coupon", "currency"], name="coupon_minimum_one_per_currency"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="coupon_minimum_positive"),
        ]

    def __str__(self):
        return f"{self.coupon_id} ≥ {self.amount} {self.currency}"


class CouponUsage(models.Model):
    class Status(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        CONFIRMED = "confirmed", _("Confirmed")
        RELEASED = "released", _("Released")

    class Target(models.TextChoices):
        ORDER = "order", _("Order")
        SUBSCRIPTION = "subscription", _("Subscription")

    coupon = models.ForeignKey(Coupon, verbose_name=_("coupon"), on_delete=models.PROTECT, related_name="usages")
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="coupon_usages"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_type = models.CharField(_("target type"), max_length=12, choices=Target.choices)
    target_id = models.CharField(_("target ID"), max_length=64)
    invoice = models.ForeignKey(
        "billing.Invoice", verbose_name=_("invoice"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    original_amount = models.BigIntegerField(_("original amount"))
    discount = models.BigIntegerField(_("discount"))
    final_amount = models.BigIntegerField(_("final amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RESERVED, db_index=True)
    reserved_at = models.DateTimeField(_("reserved"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    class Meta:
        ordering = ["-reserved_at", "-id"]
        verbose_name = _("coupon use")
        verbose_name_plural = _("coupon uses")
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
