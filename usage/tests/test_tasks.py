"""The scheduled tasks: storage recount from default_storage, limits check, schedule declared."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from core.models import TaskRun
from core.schedules import declared_tasks
from usage import selectors, services, tasks
from usage.models import Metric, UsageAlert

pytestmark = pytest.mark.django_db


def test_storage_recount_scans_the_organization_folders_and_skips_invoices(organization, other_organization):
    prefix = selectors.storage_prefix(organization)
    assert prefix == f"orgs/{organization.pk}/"
    default_storage.save(f"{prefix}generation/1/image.png", ContentFile(b"x" * 3000))
    default_storage.save(f"support/{organization.pk}/log.txt", ContentFile(b"y" * 500))  # a ticket attachment
    default_storage.save(f"{prefix}invoices/2026/F-1.pdf", ContentFile(b"z" * 9000))
    default_storage.save(f"{selectors.storage_prefix(other_organization)}generation/9/a.png", ContentFile(b"o" * 7000))
    services.adjust_storage(organization=organization, delta_bytes=123_456)  # drifted

    tasks.recompute_storage.delay()

    assert selectors.current_usage(organization=organization, metric=Metric.STORAGE_BYTES) == 3500
    assert selectors.current_usage(organization=other_organization, metric=Metric.STORAGE_BYTES) == 7000
    run = TaskRun.objects.get(task="usage.recompute_storage")
    assert run.outcome == "succeeded" and run.counts["organizations"] == 2


def test_daily_check_sends_missing_alerts_once(organization, user):
    services.set_gauge(organization=organization, metric=Metric.CONCURRENT_JOBS, value=1)  # 1 of 1
    tasks.check_limits.delay()
    tasks.check_limits.delay()
    assert list(UsageAlert.objects.filter(metric=Metric.CONCURRENT_JOBS).values_list("level", flat=True).order_by("pk")) == [
        "80",
        "95",
        "100",
    ]


def test_flush_task_records_its_run(organization):
    services.record(organization=organization, metric=Metric.API_REQUESTS, amount=3)
    tasks.flush_counters.delay()
    assert TaskRun.objects.get(task="usage.flush_counters").counts["counters"] == 1
    assert selectors.current_usage(organization=organization, metric=Metric.API_REQUESTS) == 3


def test_schedules_are_declared_at_the_issue_times():
    mine = {spec.task: spec for spec in declared_tasks() if spec.task.startswith("usage.")}
    assert mine["usage.tasks.flush_counters"].every_seconds == 60
    assert mine["usage.tasks.recompute_storage"].crontab == {"minute": "0", "hour": "4"}
    assert mine["usage.tasks.end_addon_periods"].crontab == {"minute": "0", "hour": "5"}
    assert mine["usage.tasks.check_limits"].crontab == {"minute": "0", "hour": "6"}
