"""Moving cache counters into UsageRecord: nothing lost, nothing counted twice."""

import multiprocessing
import threading

import pytest
from django.db import connection

from conftest import requires_postgres
from usage import selectors, services
from usage.counters import store
from usage.models import Metric, UsageFlush, UsageRecord
from usage.tests.conftest import flushers_running


def recorded(org, metric=Metric.API_REQUESTS):
    return UsageRecord.objects.filter(organization=org, metric=metric).values_list("value", flat=True).first() or 0


@pytest.mark.django_db
def test_increments_made_between_take_and_write_wait_for_the_next_flush(organization):
    services.record(organization=organization, metric=Metric.API_REQUESTS, amount=5)
    counters = store()
    token, batch = counters.take()
    services.record(organization=organization, metric=Metric.API_REQUESTS, amount=2)  # arrives mid-flush
    assert services._apply_batch(token, batch)
    counters.drop(token)
    assert recorded(organization) == 5
    services.flush_counters()
    assert recorded(organization) == 7
    assert selectors.current_usage(organization=organization, metric=Metric.API_REQUESTS) == 7


@pytest.mark.django_db
def test_a_batch_left_by_a_crashed_flusher_is_replayed_once(organization):
    services.record(organization=organization, metric=Metric.API_REQUESTS, amount=4)
    store().take()  # the flusher dies right after taking: the batch stays in flight
    assert recorded(organization) == 0
    services.flush_counters()
    services.flush_counters()
    assert recorded(organization) == 4


@pytest.mark.django_db
def test_a_batch_written_but_not_dropped_is_not_counted_again(organization):
    services.record(organization=organization, metric=Metric.API_REQUESTS, amount=4)
    token, batch = store().take()
    assert services._apply_batch(token, batch)  # written, then the flusher dies before dropping it
    services.flush_counters()
    assert recorded(organization) == 4
    assert store().batches_in_flight() == []


@pytest.mark.django_db
def test_two_flushers_on_the_same_batch_write_it_once(organization):
    services.record(organization=organization, metric=Metric.API_REQUESTS, amount=9)
    token, batch = store().take()  # flusher A has taken the batch...
    services.flush_counters()  # ...flusher B finds it in flight and writes it
    assert services._apply_batch(token, batch) is None  # A's write is refused
    assert recorded(organization) == 9
    assert UsageFlush.objects.filter(token=token).count() == 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_flushers_at_once_while_requests_keep_counting(organization, other_organization):
    """Two flushers race each other while four writers keep adding: the database ends with
    exactly what was added, for each organization."""
    writers, per_writer, errors = 4, 300, []

    def write():
        try:
            for _ in range(per_writer):
                services.record(organization=organization, metric=Metric.API_REQUESTS, amount=1)
                services.record(organization=other_organization, metric=Metric.API_REQUESTS, amount=2)
        except Exception as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    with flushers_running() as flush_errors:
        writer_threads = [threading.Thread(target=write) for _ in range(writers)]
        for thread in writer_threads:
            thread.start()
        for thread in writer_threads:
            thread.join()
    services.flush_counters()

    assert errors == flush_errors == []
    assert recorded(organization) == writers * per_writer
    assert recorded(other_organization) == writers * per_writer * 2
    assert UsageFlush.objects.count() > 1  # the flushers really ran during the writes


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_cannot_pass_the_storage_limit_together(organization):
    """Eight uploads of 300 MB race for Free's 1 GB: each checks then counts in one transaction,
    as generation and support do; exactly three fit."""
    from django.db import transaction

    from core.errors import QuotaExceeded

    accepted, refused, start = [], [], threading.Barrier(8)

    def upload():
        try:
            start.wait()
            with transaction.atomic():
                services.check_quota(organization=organization, metric=Metric.STORAGE_BYTES, amount=300 * 1024**2)
                services.adjust_storage(organization=organization, delta_bytes=300 * 1024**2)
            accepted.append(1)
        except QuotaExceeded:
            refused.append(1)
        finally:
            connection.close()

    services.adjust_storage(organization=organization, delta_bytes=1)  # the month's storage row exists
    threads = [threading.Thread(target=upload) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(accepted), len(refused)) == (3, 5)
    assert selectors.current_usage(organization=organization, metric=Metric.STORAGE_BYTES) == 1 + 3 * 300 * 1024**2


def _count_in_a_process_of_its_own(key, times):
    for _ in range(times):
        store().add({key: 1})


@pytest.mark.django_db
def test_counters_are_shared_and_atomic_across_processes(organization):
    """The web server, the worker and beat are separate processes: four of them count into the
    same counter (Redis, or the embedded disk cache) while this one takes batches: nothing is lost
    and nothing is counted twice."""
    key = services.counter_key(organization.pk, Metric.API_REQUESTS, selectors.month_start())
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_count_in_a_process_of_its_own, args=(key, 200)) for _ in range(4)]
    for process in processes:
        process.start()
    taken = 0

    def take():
        token, batch = store().take()
        if token:
            store().drop(token)
        return sum(value for name, value in batch.items() if name.endswith(key))  # Redis names carry the cache prefix

    while any(process.is_alive() for process in processes):
        taken += take()
    for process in processes:
        process.join()
        assert process.exitcode == 0
    taken += take()
    assert taken == 4 * 200
