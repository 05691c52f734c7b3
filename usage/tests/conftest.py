import contextlib
import threading

import pytest
from django.db import connection

from usage import selectors

GB = 1024**3

PLANS = {
    "free": {
        "traffic_bytes": 1 * GB,
        "storage_bytes": 1 * GB,
        "generation_credits": 100,
        "concurrent_jobs": 1,
        "memory_mb": 512,
        "support_priority": "normal",
    },
    "pro": {
        "traffic_bytes": 100 * GB,
        "storage_bytes": 10 * GB,
        "generation_credits": 1000,
        "concurrent_jobs": 3,
        "memory_mb": 2048,
        "support_priority": "high",
    },
}


class FakePlans:
    """Billing's plan_limits/current_plan contract, answered from PLANS (billing is built in parallel)."""

    def __init__(self):
        self.codes = {}

    def set(self, organization, code):
        self.codes[organization.pk] = code

    def code(self, *, organization):
        return self.codes.get(organization.pk, "free")

    def limits(self, *, organization):
        return dict(PLANS[self.codes.get(organization.pk, "free")])

    def lowest(self):
        metrics = ("traffic_bytes", "storage_bytes", "generation_credits")
        return {metric: min(plan[metric] for plan in PLANS.values()) for metric in metrics}

    def limits_many(self, *, organization_ids):
        return {org_id: dict(PLANS[self.codes.get(org_id, "free")]) for org_id in organization_ids}


@pytest.fixture(autouse=True)
def plans(monkeypatch):
    fake = FakePlans()
    monkeypatch.setattr(selectors, "plan_limits", fake.limits)
    monkeypatch.setattr(selectors, "plan_limits_many", fake.limits_many)
    monkeypatch.setattr(selectors, "lowest_plan_limits", fake.lowest)
    monkeypatch.setattr(
        selectors, "subscription_limits", lambda *, organization, subscription: fake.limits(organization=organization)
    )
    monkeypatch.setattr(selectors, "plan_keys", lambda *, organization: {fake.code(organization=organization)})
    monkeypatch.setattr(
        selectors, "subscription_plan_keys", lambda *, organization, subscription: {fake.code(organization=organization)}
    )
    return fake


@contextlib.contextmanager
def flushers_running(count=2):
    """`count` threads flushing the counters in a loop while the block runs; yields the list their
    errors go to (checked by the test)."""
    from usage import services

    done, errors = threading.Event(), []

    def flush():
        try:
            while not done.is_set():
                services.flush_counters()
        except Exception as exc:  # pragma: no cover - surfaced by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=flush) for _ in range(count)]
    for thread in threads:
        thread.start()
    try:
        yield errors
    finally:
        done.set()
        for thread in threads:
            thread.join()
