"""Usage metering: monthly usage per organization and metric, alerts, and paid add-on resources."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.money import CURRENCY_CHOICES
from core.state import StateMachine

GB = 1024**3


class Metric(models.TextChoices):
    TRAFFIC_BYTES = "traffic_bytes", _("Traffic")
    API_REQUESTS = "api_requests", _("API requests")
    STORAGE_BYTES = "storage_bytes", _("Storage")
    GENERATION_CREDITS = "generation_credits", _("Generation credits")
    CONCURRENT_JOBS = "concurrent_jobs", _("Concurrent jobs")
    MEMORY_MB = "memory_mb", _("Memory per job")


# Counters add up over the month (cache first, flushed each minute); levels carry over from one
# month to the next (storage, written at once); gauges are the latest reported value.
COUNTER_METRICS = frozenset({Metric.TRAFFIC_BYTES, Metric.API_REQUESTS, Metric.GENERATION_CREDITS})
LEVEL_METRICS = frozenset({Metric.STORAGE_BYTES})
GAUGE_METRICS = frozenset({Metric.CONCURRENT_JOBS})
# memory_mb is only a limit (what one job may use), never recorded.
RECORDED_METRICS = COUNTER_METRICS | LEVEL_METRICS | GAUGE_METRICS


class UsageRecord(models.Model):
    """What one organization used of one metric in one calendar month (month = its first day)."""

    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="usage_records"
    )
    metric = models.CharField(_("metric"), max_length=32, choices=Metric.choices)
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    value = models.BigIntegerField(_("value"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-month", "metric"]
        verbose_name = _("usage record")
        verbose_name_plural = _("usage records")
        constraints = [
            models.UniqueConstraint(fields=["organization", "metric", "month"], name="usage_record_unique_org_metric_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="usage_record_month_first_day"),
        ]

    def __str__(self):
        return f"{self.organization} {self.metric} {self.month:%Y-%m}: {self.value}"


class UsageFlush(models.Model):
    """One batch of cache counters moved into UsageRecord. Its unique token makes a batch count once,
    even when a crashed flush is replayed or two flushers reach the same batch."""

    token = models.CharField(_("token"), max_length=64, unique=True)
    flushed_at = models.DateTimeField(_("flushed"), auto_now_add=True, db_index=True)
    counters = models.PositiveIntegerField(_("counters"), default=0)

    class Meta:
        verbose_name = _("counter flush")
        verbose_name_plural = _("counter flushes")

    def __str__(self):
        return f"flush {self.token} ({self.counters} counters)"


class UsageAlert(models.Model):
    """An alert sent for one metric and period; the unique constraint makes each level go out once a
    period. The period is the platform's calendar month for the counters, and the period of the
    included credits for generation credits (a plan's periods start on any day and at any time:
    a trial and the paid period an upgrade starts the same day are two periods)."""

    class Level(models.TextChoices):
        P80 = "80", _("80%")
        P95 = "95", _("95%")
        P100 = "100", _("100%")
        PROJECTION = "projection", _("Projected past the limit")

    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="usage_alerts"
    )
    metric = models.CharField(_("metric"), max_length=32, choices=Metric.choices)
    period_start = models.DateTimeField(
        _("period start"), help_text=_("The month's first moment for counters; the included credits' period start for credits.")
    )
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    used = models.BigIntegerField(_("used"))
    limit = models.BigIntegerField(_("limit"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("usage alert")
        verbose_name_plural = _("usage alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "metric", "period_start", "level"], name="usage_alert_once_per_period"
            ),
        ]

    def __str__(self):
        return f"{self.organization} {self.metric} {self.period_start:%Y-%m-%d %H:%M} {self.level}"


def default_allowed_plans():
    return ["pro", "business"]


class AddonType(models.Model):
    """A resource sold on top of a plan (RAM +500 MB, CPU +1, Traffic +10 GB, ...): each unit raises
    one limit by `amount_per_unit`. Prices per currency are AddonPrice rows."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    # What customers read, in English and in French (each page shows its language's, see label()).
    name = models.CharField(_("name"), max_length=80)
    name_fr = models.CharField(_("name (French)"), max_length=80, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    metric = models.CharField(_("metric"), max_length=32, choices=Metric.choices, help_text=_("The limit this add-on raises."))
    amount_per_unit = models.BigIntegerField(_("amount per unit"), validators=[MinValueValidator(1)])
    unit_label = models.CharField(_("unit label"), max_length=40, help_text=_("Shown to customers, e.g. “+10 GB”."))
    unit_label_fr = models.CharField(_("unit label (French)"), max_length=40, blank=True, help_text=_("E.g. “+10 Go”."))
    allowed_plans = models.JSONField(
        _("allowed plans"),
        default=default_allowed_plans,
        blank=True,
        help_text=_('Plan tiers or codes that may buy it, e.g. ["pro", "business"].'),
    )
    period_days = models.PositiveSmallIntegerField(_("period (days)"), default=30)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("add-on type")
        verbose_name_plural = _("add-on types")
        constraints = [models.CheckConstraint(condition=models.Q(amount_per_unit__gt=0), name="addon_type_amount_positive")]

    def __str__(self):
        return self.label()

    def label(self, language=None):
        """ "Storage +10 GB" / "Stockage +10 Go", in the given or the active language."""
        if (language or translation.get_language() or "")[:2] == "fr":
            return f"{self.name_fr or self.name} {self.unit_label_fr or self.unit_label}"
        return f"{self.name} {self.unit_label}"


class AddonPrice(models.Model):
    """The price of one unit for one period, in one currency (minor units)."""

    addon_type = models.ForeignKey(AddonType, verbose_name=_("add-on type"), on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    unit_amount = models.PositiveBigIntegerField(
        _("unit amount"), help_text=_("Minor units per unit and period (EUR cents, XOF francs).")
    )

    class Meta:
        ordering = ["addon_type", "currency"]
        verbose_name = _("add-on price")
        verbose_name_plural = _("add-on prices")
        constraints = [models.UniqueConstraint(fields=["addon_type", "currency"], name="addon_price_unique_currency")]

    def __str__(self):
        return f"{self.addon_type.code} {self.unit_amount} {self.currency}"


class AddonPurchase(models.Model):
    """Add-on units bought by an organization: pending until its invoice is paid, then active for
    a period, renewed (a new invoice) or expired. Canceling stops the renewal."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        CANCELED = "canceled", _("Canceled")

    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="addon_purchases"
    )
    addon_type = models.ForeignKey(AddonType, verbose_name=_("add-on type"), on_delete=models.PROTECT, related_name="purchases")
    quantity = models.PositiveSmallIntegerField(_("quantity"), validators=[MinValueValidator(1), MaxValueValidator(100)])
    currency = models.CharField(_("currency"), max_length=3)
    unit_amount = models.PositiveBigIntegerField(_("unit amount"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    renew = models.BooleanField(_("renew"), default=True, help_text=_("Bill and extend another period when this one ends."))
    # The latest invoice issued for it (billing's id; billing owns the invoice itself).
    invoice_id = models.PositiveBigIntegerField(_("invoice ID"), null=True, blank=True, db_index=True)
    period_start = models.DateTimeField(_("period start"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, db_index=True)
    canceled_at = models.DateTimeField(_("canceled"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("add-on purchase")
        verbose_name_plural = _("add-on purchases")
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
