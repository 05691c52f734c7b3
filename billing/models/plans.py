"""Plans and their prices per currency."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.money import CURRENCY_CHOICES as CURRENCIES


class Tier(models.TextChoices):
    FREE = "free", _("Free")
    PRO = "pro", _("Pro")
    BUSINESS = "business", _("Business")


class Interval(models.TextChoices):
    MONTH = "month", pgettext_lazy("plan interval", "Monthly")
    YEAR = "year", pgettext_lazy("plan interval", "Yearly")


class SupportPriority(models.TextChoices):
    LOW = "low", pgettext_lazy("support priority", "Low")
    NORMAL = "normal", pgettext_lazy("support priority", "Normal")
    HIGH = "high", pgettext_lazy("support priority", "High")
    URGENT = "urgent", pgettext_lazy("support priority", "Urgent")


class Plan(models.Model):
    """What an organization subscribes to. Limits: None means unlimited.

    The field defaults are the Free allowance, used when an organization has no plan at all.
    """

    code = models.SlugField(max_length=40, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=80, verbose_name=_("name"))
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.FREE, verbose_name=_("tier"))
    interval = models.CharField(max_length=5, choices=Interval.choices, default=Interval.MONTH, verbose_name=_("interval"))
    trial_days = models.PositiveSmallIntegerField(default=0, verbose_name=_("trial days"))
    traffic_bytes = models.BigIntegerField(
        null=True, blank=True, default=1 * 1024**3, help_text=_("Per month; empty = unlimited"), verbose_name=_("traffic bytes")
    )
    storage_bytes = models.BigIntegerField(
        null=True, blank=True, default=500 * 1024**2, help_text=_("Empty = unlimited"), verbose_name=_("storage bytes")
    )
    generation_credits = models.IntegerField(
        null=True, blank=True, default=50, help_text=_("Per period; empty = unlimited"), verbose_name=_("generation credits")
    )
    concurrent_jobs = models.PositiveSmallIntegerField(null=True, blank=True, default=1, verbose_name=_("concurrent jobs"))
    memory_mb = models.PositiveIntegerField(
        null=True, blank=True, default=512, help_text=_("What one job may use"), verbose_name=_("memory (MB)")
    )
    support_priority = models.CharField(
        max_length=10, choices=SupportPriority.choices, default=SupportPriority.LOW, verbose_name=_("support priority")
    )
    features = models.JSONField(
        default=list, blank=True, help_text=_("Lines shown on the pricing page"), verbose_name=_("features")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    sort_order = models.PositiveSmallIntegerField(default=0, verbose_name=_("sort order"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    LIMIT_FIELDS = ("traffic_bytes", "storage_bytes", "generation_credits", "concurrent_jobs", "memory_mb", "support_priority")

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(traffic_bytes__gte=0) | Q(traffic_bytes__isnull=True), name="plan_traffic_positive"
            ),
            models.CheckConstraint(
                condition=Q(storage_bytes__gte=0) | Q(storage_bytes__isnull=True), name="plan_storage_positive"
            ),
            models.CheckConstraint(
                condition=Q(generation_credits__gte=0) | Q(generation_credits__isnull=True), name="plan_credits_positive"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_interval_display().lower()})"

    def limits(self):
        return {name: getattr(self, name) for name in self.LIMIT_FIELDS}

    def price_in(self, currency):
        """The price in minor units, or None when the plan is not sold in that currency."""
        for price in self.prices.all():
            if price.currency == currency:
                return price.amount
        return None

    @property
    def periods_per_year(self):
        return 12 if self.interval == Interval.MONTH else 1


class PlanPrice(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="prices", verbose_name=_("plan"))
    currency = models.CharField(max_length=3, choices=CURRENCIES, verbose_name=_("currency"))
    amount = models.BigIntegerField(help_text=_("Minor units, tax excluded"), verbose_name=_("amount"))

    class Meta:
        verbose_name = _("plan price")
        verbose_name_plural = _("plan prices")
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "currency"], name="planprice_one_per_currency"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="planprice_amount_positive"),
        ]

    def __str__(self):
        return f"{self.plan.code} {self.amount} {self.currency}"
