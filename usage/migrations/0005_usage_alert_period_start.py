"""Usage alerts are keyed on the start of their period, not on a "month": the generation credits'
alerts follow the period of the included credits, which starts on any day and at any time (a
trial and the paid period an upgrade starts the same day are two periods, each alerted once).

Existing rows: a counter's month becomes its first moment on the platform's clock, which is what
the counters' alerts are keyed on from now on; a credits alert's date becomes that day's first
moment (the exact start of its period was not recorded)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models


def forwards(apps, schema_editor):
    UsageAlert = apps.get_model("usage", "UsageAlert")
    zone = ZoneInfo(settings.PLATFORM_TIME_ZONE)
    for alert in UsageAlert.objects.only("pk", "month").iterator():
        start = datetime(alert.month.year, alert.month.month, alert.month.day, tzinfo=zone)
        UsageAlert.objects.filter(pk=alert.pk).update(period_start=start)


def backwards(apps, schema_editor):
    UsageAlert = apps.get_model("usage", "UsageAlert")
    zone = ZoneInfo(settings.PLATFORM_TIME_ZONE)
    for alert in UsageAlert.objects.only("pk", "period_start").iterator():
        UsageAlert.objects.filter(pk=alert.pk).update(month=alert.period_start.astimezone(zone).date())


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0004_addon_names_in_french"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="usagealert", name="usage_alert_once_per_month"),
        migrations.AddField(
            model_name="usagealert",
            name="period_start",
            field=models.DateTimeField(null=True, verbose_name="period start"),
        ),
        migrations.AlterField(model_name="usagealert", name="month", field=models.DateField(null=True, verbose_name="month")),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="usagealert", name="month"),
        migrations.AlterField(
            model_name="usagealert",
            name="period_start",
            field=models.DateTimeField(
                help_text="The month's first moment for counters; the included credits' period start for credits.",
                verbose_name="period start",
            ),
        ),
        migrations.AddConstraint(
            model_name="usagealert",
            constraint=models.UniqueConstraint(
                fields=("organization", "metric", "period_start", "level"), name="usage_alert_once_per_period"
            ),
        ),
    ]
