"""Dunning as configuration: a policy is an ordered list of steps (days after the due date, and
an action); every step taken on an invoice is a DunningEvent, unique per invoice and step, so a
run twice or late never takes a step twice and never skips one."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from billing.models.invoicing import Invoice


class DunningAction(models.TextChoices):
    FRIENDLY_REMINDER = "friendly_reminder", _("Friendly reminder")
    URGENT_REMINDER = "urgent_reminder", _("Urgent reminder")
    SUSPENSION_WARNING = "suspension_warning", _("Suspension warning")
    SUSPEND = "suspend", _("Suspension")


# The default policy, written by the migration and by demo data.
DEFAULT_STEPS = (
    (3, DunningAction.FRIENDLY_REMINDER),
    (7, DunningAction.URGENT_REMINDER),
    (15, DunningAction.SUSPENSION_WARNING),
    (30, DunningAction.SUSPEND),
)


class DunningPolicy(models.Model):
    """The default policy has no organization; an organization's own policy overrides it."""

    name = models.CharField(max_length=80)
    organization = models.OneToOneField(
        "accounts.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="dunning_policy"
    )
    suspend_for_any_invoice = models.BooleanField(
        default=False,
        help_text="Suspend the subscription for any overdue invoice; otherwise only for the subscription's own invoices.",
    )
    retry_days = models.JSONField(
        default=list, blank=True, help_text="Days after the first failed payment to retry it (at most 3), e.g. [1, 3, 6]"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "dunning policies"
        constraints = [
            # One default policy: its organization, missing, counts as 0.
            models.UniqueConstraint(Coalesce("organization", models.Value(0)), name="dunningpolicy_one_default"),
        ]

    def __str__(self):
        return f"{self.name} ({self.organization or 'default'})"


class DunningStep(models.Model):
    policy = models.ForeignKey(DunningPolicy, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    offset_days = models.PositiveSmallIntegerField(help_text="Days after the due date")
    action = models.CharField(max_length=20, choices=DunningAction.choices)

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "offset_days"], name="dunningstep_unique_offset"),
            models.UniqueConstraint(fields=["policy", "position"], name="dunningstep_unique_position"),
            models.CheckConstraint(condition=Q(offset_days__gte=1), name="dunningstep_after_due_date"),
        ]

    def __str__(self):
        return f"D+{self.offset_days} {self.get_action_display()}"


class DunningEvent(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", _("Queued")
        SENT = "sent", _("Reminder sent")
        SUSPENDED = "suspended", _("Subscription suspended")
        SKIPPED = "skipped", _("Nothing to suspend")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="dunning_events")
    step = models.ForeignKey(DunningStep, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20, choices=DunningAction.choices)
    offset_days = models.PositiveSmallIntegerField()
    run_date = models.DateField(help_text="The day the run took the step (platform calendar)")
    occurred_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invoice", "offset_days"]
        constraints = [models.UniqueConstraint(fields=["invoice", "step"], name="dunningevent_once_per_invoice_step")]
        indexes = [models.Index(fields=["outcome", "run_date"])]

    def __str__(self):
        return f"{self.invoice} D+{self.offset_days} {self.action} ({self.outcome})"
