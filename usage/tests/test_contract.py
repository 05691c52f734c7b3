"""The functions other apps call: record, adjust_storage, check_quota, set_gauge, limit_for, current_usage."""

import pytest
import time_machine
from django.utils import timezone

from core.errors import QuotaExceeded, ValidationFailed
from usage import selectors, services
from usage.models import Metric, UsageRecord
from usage.tests.conftest import GB
from usage.tests.factories import ActiveAddonFactory, AddonTypeFactory, UsageRecordFactory

pytestmark = pytest.mark.django_db


def test_record_counts_in_cache_and_flush_moves_it_to_the_month(organization, django_assert_num_queries):
    with django_assert_num_queries(0):
        services.record(organization=organization, metric=Metric.GENERATION_CREDITS, amount=7)
        services.record(organization=organization, metric=Metric.GENERATION_CREDITS, amount=5)
    assert not UsageRecord.objects.exists()
    assert selectors.current_usage(organization=organization, metric=Metric.GENERATION_CREDITS) == 12

    services.flush_counters()
    services.flush_counters()  # nothing left: counts once

    record = UsageRecord.objects.get(organization=organization, metric=Metric.GENERATION_CREDITS)
    assert (record.value, record.month) == (12, selectors.month_start())
    assert selectors.current_usage(organization=organization, metric=Metric.GENERATION_CREDITS) == 12


def test_usage_months_follow_the_platform_calendar(organization, settings):
    from datetime import UTC, date, datetime

    settings.PLATFORM_TIME_ZONE = "Europe/Paris"
    # 23:30 UTC on 31 March is 01:30 on 1 April in Paris: April's usage, as on April's invoices.
    with time_machine.travel(datetime(2026, 3, 31, 23, 30, tzinfo=UTC), tick=False):
        services.record(organization=organization, metric=Metric.API_REQUESTS, amount=3)
        services.flush_counters()
        assert selectors.projection(100, metric=Metric.API_REQUESTS) == int(100 * 30 * 24 / 1.5)
    assert UsageRecord.objects.get(metric=Metric.API_REQUESTS).month == date(2026, 4, 1)


def test_record_refuses_unknown_metrics_and_non_integers(organization):
    with pytest.raises(ValidationFailed):
        services.record(organization=organization, metric="storage_bytes", amount=1)
    with pytest.raises(ValidationFailed):
        services.record(organization=organization, metric="api_requests", amount=1.5)


def test_counts_stay_in_the_month_they_happened(organization):
    # Paris midnight (the platform time zone), not UTC, divides the months.
    with time_machine.travel("2026-03-31 23:59:30+02:00", tick=False):
        services.record(organization=organization, metric=Metric.API_REQUESTS, amount=3)
    with time_machine.travel("2026-04-01 00:00:30+02:00", tick=False):
        services.record(organization=organization, metric=Metric.API_REQUESTS, amount=2)
        services.flush_counters()
    values = dict(UsageRecord.objects.filter(organization=organization).values_list("month__month", "value"))
    assert values == {3: 3, 4: 2}


def test_adjust_storage_tracks_writes_and_deletes_and_carries_over_months(organization):
    with time_machine.travel("2026-05-20 10:00Z"):
        services.adjust_storage(organization=organization, delta_bytes=3000)
        services.adjust_storage(organization=organization, delta_bytes=-1000)
        assert selectors.current_usage(organization=organization, metric=Metric.STORAGE_BYTES) == 2000
    with time_machine.travel("2026-06-02 10:00Z"):
        services.adjust_storage(organization=organization, delta_bytes=500)
        assert selectors.current_usage(organization=organization, metric=Metric.STORAGE_BYTES) == 2500
        services.adjust_storage(organization=organization, delta_bytes=-10_000)
        assert selectors.current_usage(organization=organization, metric=Metric.STORAGE_BYTES) == 0


def test_set_gauge_keeps_the_latest_value(organization):
    services.set_gauge(organization=organization, metric=Metric.CONCURRENT_JOBS, value=2)
    services.set_gauge(organization=organization, metric=Metric.CONCURRENT_JOBS, value=1)
    assert selectors.current_usage(organization=organization, metric=Metric.CONCURRENT_JOBS) == 1
    with pytest.raises(ValidationFailed):
        services.set_gauge(organization=organization, metric=Metric.CONCURRENT_JOBS, value=-1)


def test_limit_is_plan_plus_active_addons(organization, plans):
    plans.set(organization, "pro")
    assert selectors.limit_for(organization=organization, metric=Metric.STORAGE_BYTES) == 10 * GB
    ActiveAddonFactory(organization=organization, addon_type=AddonTypeFactory(), quantity=2)
    ActiveAddonFactory(organization=organization, addon_type=AddonTypeFactory(), quantity=1, status="expired")
    assert selectors.limit_for(organization=organization, metric=Metric.STORAGE_BYTES) == 30 * GB
    assert selectors.limit_for(organization=organization, metric=Metric.API_REQUESTS) is None


def test_hard_limit_refuses_an_upload_past_it_and_names_what_to_buy(organization, plans):
    plans.set(organization, "pro")
    AddonTypeFactory()
    UsageRecordFactory(organization=organization, metric=Metric.STORAGE_BYTES, value=10 * GB - 100)
    services.check_quota(organization=organization, metric=Metric.STORAGE_BYTES, amount=100)
    with pytest.raises(QuotaExceeded) as refused:
        services.check_quota(organization=organization, metric=Metric.STORAGE_BYTES, amount=101)
    assert refused.value.code == "quota_exceeded"
    assert refused.value.fields["buy"] == ["storage"]
    assert "storage" in refused.value.message


def test_hard_limit_refuses_a_job_past_concurrency_and_memory(organization):
    services.set_gauge(organization=organization, metric=Metric.CONCURRENT_JOBS, value=1)
    with pytest.raises(QuotaExceeded):
        services.check_quota(organization=organization, metric=Metric.CONCURRENT_JOBS, amount=1)
    services.check_quota(organization=organization, metric=Metric.MEMORY_MB, amount=512)
    with pytest.raises(QuotaExceeded) as refused:
        services.check_quota(organization=organization, metric=Metric.MEMORY_MB, amount=513)
    assert refused.value.fields["buy"] == []  # Free may not buy add-ons: upgrade instead
    assert "offre supérieure" in refused.value.message  # no request: the default language, French


def test_soft_limit_allows_traffic_past_it(organization):
    UsageRecordFactory(
        organization=organization, metric=Metric.TRAFFIC_BYTES, value=2 * GB, month=selectors.month_start(timezone.now())
    )
    services.check_quota(organization=organization, metric=Metric.TRAFFIC_BYTES, amount=GB)
