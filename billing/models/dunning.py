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

    name = models.CharField(max_length=80, verbose_name=_("name"))
    organization = models.OneToOneField(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="dunning_policy",
        verbose_name=_("organization"),
    )
    suspend_for_any_invoice = models.BooleanField(
        default=False,
        help_text=_("Suspend the subscription for any overdue invoice; otherwise only for the subscription's own invoices."),
        verbose_name=_("suspend for any invoice"),
    )
    retry_days = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Days after the first failed payment to retry it (at most 3), e.g. [1, 3, 6]"),
        verbose_name=_("retry days"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("dunning policy")
        verbose_name_plural = _("dunning policies")
        constraints = [
            # One default policy: its organization, missing, counts as 0.
            models.UniqueConstraint(Coalesce("organization", models.Value(0)), name="dunningpolicy_one_default"),
        ]

    def __str__(self):
        return f"{self.name} ({self.organization or 'default'})"


class DunningStep(models.Model):
    policy = models.ForeignKey(DunningPolicy, on_delete=models.CASCADE, related_name="steps", verbose_name=_("policy"))
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    offset_days = models.PositiveSmallIntegerField(help_text=_("Days after the due date"), verbose_name=_("offset days"))
    action = models.CharField(max_length=20, choices=DunningAction.choices, verbose_name=_("action"))

    class Meta:
        verbose_name = _("dunning step")
        verbose_name_plural = _("dunning steps")
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

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="dunning_events", verbose_name=_("invoice"))
    step = models.ForeignKey(DunningStep, on_delete=models.PROTECT, related_name="events", verbose_name=_("step"))
    action = models.CharField(max_length=20, choices=DunningAction.choices, verbose_name=_("action"))
    offset_days = models.PositiveSmallIntegerField(verbose_name=_("offset days"))
    run_date = models.DateField(help_text=_("The day the run took the step (platform calendar)"), verbose_name=_("run date"))
    occurred_at = models.DateTimeField(auto_now_add=True, verbose_name=_("occurred at"))
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING, verbose_name=_("outcome"))
    done_at = models.DateTimeField(null=True, blank=True, verbose_name=_("done at"))

    class Meta:
        verbose_name = _("dunning event")
        verbose_name_plural = _("dunning events")
        ordering = ["invoice", "offset_days"]
        constraints = [models.UniqueConstraint(fields=["invoice", "step"], name="dunningevent_once_per_invoice_step")]
        indexes = [models.Index(fields=["outcome", "run_date"])]

    def __str__(self):
        return f"{self.invoice} D+{self.offset_days} {self.action} ({self.outcome})"
