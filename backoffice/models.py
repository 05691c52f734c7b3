from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class MrrSnapshot(models.Model):
    """An organization's MRR as it stood at the end of a month (the latest value recorded in that
    month). The MRR movement (new, expansion, contraction, churn, reactivation) compares months;
    billing keeps no history of plan changes, so the back office records one on every change of a
    subscription."""

    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("First day of the month"))
    currency = models.CharField(_("currency"), max_length=3)
    mrr = models.BigIntegerField(_("MRR"), help_text=_("Minor units per month"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-month", "organization_id"]
        verbose_name = _("MRR snapshot")
        verbose_name_plural = _("MRR snapshots")
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="mrrsnapshot_one_per_month"),
            models.CheckConstraint(condition=models.Q(mrr__gte=0), name="mrrsnapshot_mrr_positive"),
        ]

    def __str__(self):
        return f"{self.organization_id} {self.month:%Y-%m}: {self.mrr} {self.currency}"


class Report(models.Model):
    """No table: holds the permissions that open each back-office report to a role."""

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        managed = False
        default_permissions = ()
        permissions = [
            ("view_revenue", gettext_noop("Can see the revenue dashboard")),
            ("view_overdue_report", gettext_noop("Can see and export the overdue invoices report")),
            ("view_coupon_report", gettext_noop("Can see and export the coupon performance report")),
            ("view_generation_report", gettext_noop("Can see and export the generation report")),
            ("view_usage_report", gettext_noop("Can see and export the usage report")),
        ]

    def __str__(self):
        return str(_("Back-office reports"))
