"""Usage metering: monthly usage per organization and metric, alerts, and paid add-on resources."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.state import StateMachine

GB = 1024**3


class Metric(models.TextChoices):
    TRAFFIC_BYTES = "traffic_bytes", "Traffic"
    API_REQUESTS = "api_requests", "API requests"
    STORAGE_BYTES = "storage_bytes", "Storage"
    GENERATION_CREDITS = "generation_credits", "Generation credits"
    CONCURRENT_JOBS = "concurrent_jobs", "Concurrent jobs"
    MEMORY_MB = "memory_mb", "Memory per job"


# Counters add up over the month (cache first, flushed each minute); levels carry over from one
# month to the next (storage, written at once); gauges are the latest reported value.
COUNTER_METRICS = frozenset({Metric.TRAFFIC_BYTES, Metric.API_REQUESTS, Metric.GENERATION_CREDITS})
LEVEL_METRICS = frozenset({Metric.STORAGE_BYTES})
GAUGE_METRICS = frozenset({Metric.CONCURRENT_JOBS})
# memory_mb is only a limit (what one job may use), never recorded.
RECORDED_METRICS = COUNTER_METRICS | LEVEL_METRICS | GAUGE_METRICS


class UsageRecord(models.Model):
    """What one organization used of one metric in one calendar month (month = its first day)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="usage_records")
    metric = models.CharField(max_length=32, choices=Metric.choices)
    month = models.DateField(help_text="First day of the month.")
    value = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "metric", "month"], name="usage_record_unique_org_metric_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="usage_record_month_first_day"),
        ]

    def __str__(self):
        return f"{self.organization} {self.metric} {self.month:%Y-%m}: {self.value}"


class UsageFlush(models.Model):
    """One batch of cache counters moved into UsageRecord. Its unique token makes a batch count once,
    even when a crashed flush is replayed or two flushers reach the same batch."""

    token = models.CharField(max_length=64, unique=True)
    flushed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    counters = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"flush {self.token} ({self.counters} counters)"


class UsageAlert(models.Model):
    """An alert sent for one metric and month; the unique constraint makes each level go out once."""

    class Level(models.TextChoices):
        P80 = "80", "80%"
        P95 = "95", "95%"
        P100 = "100", "100%"
        PROJECTION = "projection", "Projected past the limit"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="usage_alerts")
    metric = models.CharField(max_length=32, choices=Metric.choices)
    month = models.DateField()
    level = models.CharField(max_length=12, choices=Level.choices)
    used = models.BigIntegerField()
    limit = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "metric", "month", "level"], name="usage_alert_once_per_month"),
        ]

    def __str__(self):
        return f"{self.organization} {self.metric} {self.month:%Y-%m} {self.level}"


def default_allowed_plans():
    return ["pro", "business"]


class AddonType(models.Model):
    """A resource sold on top of a plan (RAM +500 MB, CPU +1, Traffic +10 GB, ...): each unit raises
    one limit by `amount_per_unit`. Prices per currency are AddonPrice rows."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=200, blank=True)
    metric = models.CharField(max_length=32, choices=Metric.choices, help_text="The limit this add-on raises.")
    amount_per_unit = models.BigIntegerField(validators=[MinValueValidator(1)])
    unit_label = models.CharField(max_length=40, help_text="Shown to customers, e.g. “+10 GB”.")
    allowed_plans = models.JSONField(
        default=default_allowed_plans, blank=True, help_text='Plan tiers or codes that may buy it, e.g. ["pro", "business"].'
    )
    period_days = models.PositiveSmallIntegerField(default=30)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        constraints = [models.CheckConstraint(condition=models.Q(amount_per_unit__gt=0), name="addon_type_amount_positive")]

    def __str__(self):
        return f"{self.name} ({self.unit_label})"


class AddonPrice(models.Model):
    """The price of one unit for one period, in one currency (minor units)."""

    addon_type = models.ForeignKey(AddonType, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(max_length=3, choices=[("EUR", "EUR"), ("XOF", "XOF")])
    unit_amount = models.PositiveBigIntegerField(help_text="Minor units per unit and period (EUR cents, XOF francs).")

    class Meta:
        ordering = ["addon_type", "currency"]
        constraints = [models.UniqueConstraint(fields=["addon_type", "currency"], name="addon_price_unique_currency")]

    def __str__(self):
        return f"{self.addon_type.code} {self.unit_amount} {self.currency}"


class AddonPurchase(models.Model):
    """Add-on units bought by an organization: pending until its invoice is paid, then active for
    a period, renewed (a new invoice) or expired. Canceling stops the renewal."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting payment"
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        CANCELED = "canceled", "Canceled"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="addon_purchases")
    addon_type = models.ForeignKey(AddonType, on_delete=models.PROTECT, related_name="purchases")
    quantity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100)])
    currency = models.CharField(max_length=3)
    unit_amount = models.PositiveBigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    renew = models.BooleanField(default=True, help_text="Bill and extend another period when this one ends.")
    # The latest invoice issued for it (billing's id; billing owns the invoice itself).
    invoice_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    period_start = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1, quantity__lte=100), name="addon_purchase_quantity_1_100"),
            models.CheckConstraint(
                condition=~models.Q(status="active") | models.Q(expires_at__isnull=False), name="addon_purchase_active_has_expiry"
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self):
        return f"{self.addon_type.code} ×{self.quantity} for {self.organization} ({self.status})"

    @property
    def total_amount(self):
        return self.unit_amount * self.quantity

    @property
    def raises_by(self):
        return self.addon_type.amount_per_unit * self.quantity


# A canceled purchase whose invoice is paid anyway still delivers what was paid for.
ADDON_MACHINE = StateMachine(
    {
        AddonPurchase.Status.PENDING: {AddonPurchase.Status.ACTIVE, AddonPurchase.Status.CANCELED},
        AddonPurchase.Status.ACTIVE: {AddonPurchase.Status.EXPIRED},
        AddonPurchase.Status.CANCELED: {AddonPurchase.Status.ACTIVE},
    }
)
