"""Subscriptions (their transitions declared here; billing.services.subscriptions makes them) and
each organization's billing settings."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.models.plans import CURRENCIES, Plan
from core.state import StateMachine


class Subscription(models.Model):
    class Status(models.TextChoices):
        TRIALING = "trialing", pgettext_lazy("subscription status", "Trialing")
        ACTIVE = "active", pgettext_lazy("subscription status", "Active")
        PAST_DUE = "past_due", pgettext_lazy("subscription status", "Past due")
        SUSPENDED = "suspended", pgettext_lazy("subscription status", "Suspended")
        CANCELED = "canceled", pgettext_lazy("subscription status", "Canceled")
        EXPIRED = "expired", pgettext_lazy("subscription status", "Expired")

    LIVE = (Status.TRIALING, Status.ACTIVE, Status.PAST_DUE, Status.SUSPENDED)

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("organization")
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("plan"))
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True, verbose_name=_("status"))
    currency = models.CharField(max_length=3, choices=CURRENCIES, verbose_name=_("currency"))
    current_period_start = models.DateTimeField(verbose_name=_("current period start"))
    current_period_end = models.DateTimeField(verbose_name=_("current period end"))
    trial_end = models.DateTimeField(null=True, blank=True, verbose_name=_("trial end"))
    cancel_at_period_end = models.BooleanField(default=False, verbose_name=_("cancel at period end"))
    # A downgrade waits for the end of the period: the plan that takes over then.
    scheduled_plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("scheduled plan")
    )
    # An upgrade waits for its invoice: the plan it moves to once that invoice is paid.
    pending_plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("pending plan")
    )
    pending_invoice = models.ForeignKey(
        "billing.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pending_upgrade_of",
        verbose_name=_("pending invoice"),
    )
    # The day of the month periods end on (30: 30 Jan, 28 Feb, 30 Mar), so a short month does not
    # pull every later renewal back.
    billing_anchor_day = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("billing anchor day"))
    # The coupon applied (coupons are their own feature) and how many billing cycles it still covers.
    coupon_code = models.CharField(max_length=50, blank=True, verbose_name=_("coupon code"))
    coupon_cycles_remaining = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Empty = forever"), verbose_name=_("coupon cycles remaining")
    )
    canceled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("canceled at"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    suspended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("suspended at"))
    trial_reminded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("trial reminded at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(status__in=["trialing", "active", "past_due", "suspended"]),
                name="subscription_one_live_per_organization",
            ),
            models.CheckConstraint(
                condition=Q(current_period_end__gt=models.F("current_period_start")), name="subscription_period_order"
            ),
        ]

    def __str__(self):
        return f"{self.organization} on {self.plan.code} ({self.status})"

    @property
    def is_live(self):
        return self.status in self.LIVE

    @property
    def suspended_at_trial_end(self):
        """Suspended because its trial ended without a payment method: its last period is the
        trial (a paid period moves current_period_end past trial_end)."""
        return self.status == self.Status.SUSPENDED and self.trial_end is not None and self.current_period_end == self.trial_end


class BillingSettings(models.Model):
    """An organization's billing preferences kept by billing (anniversary billing without a row)."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="billing_settings", verbose_name=_("organization")
    )
    calendar_billing = models.BooleanField(
        default=False,
        help_text=_("Bill monthly plans on the 1st of the month; the first period is prorated."),
        verbose_name=_("calendar billing"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("billing settings")
        verbose_name_plural = _("billing settings")

    def __str__(self):
        return f"Billing settings of {self.organization}"


SUBSCRIPTION_MACHINE = StateMachine(
    {
        "trialing": {"active", "past_due", "canceled", "suspended"},
        "active": {"past_due", "canceled", "suspended", "expired"},
        "past_due": {"active", "suspended", "canceled"},
        "suspended": {"active", "canceled"},
    }
)
