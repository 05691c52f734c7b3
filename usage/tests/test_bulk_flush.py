"""A flush of many organizations at once: one upsert, limits read once per organization, and
every alert level still sent exactly once per metric and month."""


import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import MembershipFactory, OrganizationFactory
from conftest import requires_postgres
from notifications.models import EmailLog, Notification
from usage import services
from usage.models import Metric, UsageAlert, UsageFlush, UsageRecord
from usage.tests.conftest import GB, flushers_running

# The month's last hours: levels only, the month-end projection stays out of the way.
MONTH_END = "2026-03-31 20:00Z"


def members(count):
    return [MembershipFactory(organization=OrganizationFactory()).organization for _ in range(count)]


def add_traffic(organization, fraction):
    services.record(organization=organization, metric=Metric.TRAFFIC_BYTES, amount=int(fraction * GB))


def levels(organization):
    return sorted(UsageAlert.objects.filter(organization=organization).values_list("level", flat=True), key=int)


def titles(organization):
    return list(Notification.objects.filter(organization=organization).order_by("pk").values_list("title", flat=True))


@pytest.mark.django_db
@time_machine.travel(MONTH_END, tick=False)
def test_a_bulk_flush_alerts_each_level_once_and_names_the_highest():
    orgs = members(12)
    near, over, quiet = orgs[:4], orgs[4:8], orgs[8:]
    for org in near:
        add_traffic(org, 0.85)
    for org in over:
        add_traffic(org, 0.97)
    for org in quiet:
        add_traffic(org, 0.5)
    assert services.flush_counters() == 12

    assert [levels(org) for org in near] == [["80"]] * 4
    assert [levels(org) for org in over] == [["80", "95"]] * 4
    assert [levels(org) for org in quiet] == [[]] * 4
    assert titles(over[0]) == ["Traffic: 95% of your monthly limit used"]  # one message for two levels
    assert EmailLog.objects.filter(kind="usage_alert").count() == 8

    for org in near:
        add_traffic(org, 0.12)  # 97 %: 95 is new, 80 was sent
    for org in over + quiet:
        add_traffic(org, 0.001)  # nothing new
    services.flush_counters()
    services.flush_counters()  # nothing left to take: nothing sent again

    assert [levels(org) for org in near] == [["80", "95"]] * 4
    assert titles(near[0]) == ["Traffic: 80% of your monthly limit used", "Traffic: 95% of your monthly limit used"]
    assert [len(titles(org)) for org in over] == [1] * 4
    assert EmailLog.objects.filter(kind="usage_alert").count() == 12


@pytest.mark.django_db
@time_machine.travel(MONTH_END, tick=False)
def test_a_flush_writes_the_same_totals_as_the_counts_and_keeps_older_rows():
    org, other = members(2)
    UsageRecord.objects.create(organization=org, metric=Metric.API_REQUESTS, month="2026-03-01", value=40)
    services.record(organization=org, metric=Metric.API_REQUESTS, amount=2)
    services.record(organization=other, metric=Metric.API_REQUESTS, amount=5)
    services.record(organization=other, metric=Metric.TRAFFIC_BYTES, amount=1000)
    services.flush_counters()
    values = set(UsageRecord.objects.values_list("organization_id", "metric", "value"))
    assert values == {(org.pk, "api_requests", 42), (other.pk, "api_requests", 5), (other.pk, "traffic_bytes", 1000)}


@pytest.mark.django_db
def test_counts_of_an_organization_deleted_before_the_flush_are_dropped_with_it():
    gone, kept = members(2)
    services.record(organization=gone, metric=Metric.API_REQUESTS, amount=3)
    services.record(organization=kept, metric=Metric.API_REQUESTS, amount=4)
    gone.delete()
    assert services.flush_counters() == 2
    assert list(UsageRecord.objects.values_list("organization_id", "value")) == [(kept.pk, 4)]


def flush_queries(count):
    orgs = members(count)
    for org in orgs:
        add_traffic(org, 0.1)
        services.record(organization=org, metric=Metric.API_REQUESTS, amount=3)
    with CaptureQueriesContext(connection) as queries:
        assert services.flush_counters() == 2 * count
    return len(queries.captured_queries)


@pytest.mark.django_db
@time_machine.travel(MONTH_END, tick=False)
def test_the_queries_of_a_flush_do_not_grow_with_the_organizations_it_moves():
    assert flush_queries(3) == flush_queries(40) <= 8


@requires_postgres
@pytest.mark.django_db(transaction=True)
@time_machine.travel(MONTH_END, tick=False)
def test_two_flushers_racing_send_each_alert_once():
    """Traffic climbs past 80, 95 and 100 % in small steps while two flushers run at once: each
    level is recorded once per organization and each recorded alert is emailed once per member."""
    orgs = members(6)
    with flushers_running() as errors:
        for _ in range(21):  # 21 steps of just over 5 %: 105 %, and never a pace past the limit below 100 %
            for org in orgs:
                services.record(organization=org, metric=Metric.TRAFFIC_BYTES, amount=GB // 20 + 1)
    services.flush_counters()

    assert errors == []
    assert UsageFlush.objects.count() > 1  # the flushers really ran while traffic climbed
    assert [levels(org) for org in orgs] == [["80", "95", "100"]] * 6
    alert_ids = [str(pk) for pk in UsageAlert.objects.values_list("pk", flat=True)]
    emailed = list(EmailLog.objects.filter(kind="usage_alert").values_list("related_id", flat=True))
    assert len(emailed) == len(set(emailed))  # no alert told twice
    assert set(emailed) <= set(alert_ids)
