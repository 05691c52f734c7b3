import pytest

from generation.providers import http


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """These tests never check passwords: skip the deliberately slow hasher when making users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def plan_limits(monkeypatch):
    """The organization's limits as usage reports them (plan + add-ons); tests change the dict."""
    limits = {"concurrent_jobs": 2, "memory_mb": 2048, "storage_bytes": None, "generation_credits": None}
    monkeypatch.setattr("usage.selectors.limit_for", lambda *, organization, metric: limits.get(metric))
    return limits


@pytest.fixture(autouse=True)
def no_backoff_sleep(monkeypatch):
    """Record the waits of the retry loop instead of sleeping."""
    waits = []
    monkeypatch.setattr(http, "sleep", waits.append)
    return waits


@pytest.fixture
def no_dispatch(monkeypatch):
    """Jobs are started (running) but their Celery task is not run: for tests of scheduling."""
    dispatched = []
    monkeypatch.setattr("generation.services._dispatch", dispatched.append)
    return dispatched


@pytest.fixture
def organization(organization):
    """The shared organization, with the default credit prices present even in transactional
    tests (which flush what the data migration wrote)."""
    import importlib

    from generation.models import CreditPrice

    defaults = importlib.import_module("generation.migrations.0003_default_credit_prices").DEFAULT_PRICES
    for kind, provider, model, credits in defaults:
        CreditPrice.objects.get_or_create(kind=kind, provider=provider, model=model, defaults={"credits": credits})
    return organization
