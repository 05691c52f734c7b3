"""Shared test setup (the settings are config.settings.test): a fresh cache and media folder per
test, and the people every app's tests need.

App-specific factories live in `<app>/tests/factories.py`; these fixtures cover the tenant model.
"""

import gettext
import os

import pytest
from django.conf import settings
from django.db import connections
from django.utils.translation import trans_real

from core.catalogues import compile_catalogues

# The .mo files are build products (not in git): compile what changed, and forget any catalogue
# Django read while starting up (before this ran), in Django's cache and in Python's gettext one
# (keyed by file path: without this, a catalogue recompiled after a rebase kept its old strings).
if compile_catalogues():
    trans_real._translations.clear()
    trans_real._default = None
    gettext._translations.clear()

from accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory  # noqa: E402


def pytest_collection_modifyitems(items):
    """Transactional tests end by flushing the database, which would also erase the rows that data
    migrations create (groups, price tables, default coupons, SLA targets) for every later test.
    Serialized rollback restores them after each such test.

    Tests using the browser `page` are marked `browser`: `make test` runs them in a pytest run of
    their own, because Playwright's sync API switches the context Django keeps connections in."""
    for item in items:
        if "page" in item.fixturenames:
            item.add_marker(pytest.mark.browser)
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        transactional = kwargs.get("transaction") or {"transactional_db", "live_server"} & set(item.fixturenames)
        if transactional and "serialized_rollback" not in kwargs:
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(*(marker.args if marker else ()), **kwargs), append=False)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Serialized rollback finds the rows to restore on the connection object that created the
    test database. While Playwright's sync API runs its event loop in this thread, Django keeps
    connections per async context instead, so a browser test gets a new connection object without
    those rows: its restore was skipped and the default coupons, groups and price tables were
    gone for every browser test after the first. Each new connection object gets them."""
    contents = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    create_connection = connections.create_connection

    def create_connection_with_contents(alias):
        connection = create_connection(alias)
        if alias in contents:
            connection._test_serialized_contents = contents[alias]
        return connection

    connections.create_connection = create_connection_with_contents
    yield
    del connections.create_connection


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test writes its files in a folder of its own (the rest is config.settings.test)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _clear_caches():
    from django.core.cache import cache

    from usage.counters import store

    # Increments an earlier test's requests queued for the sender thread land before the clear,
    # not in the middle of the next test (a slow machine let them arrive late).
    store().sender.send_now()
    cache.clear()
    if hasattr(cache, "cache"):  # the embedded disk cache keeps the usage counters in a sub-cache
        cache.cache("usage-counters").clear()


@pytest.fixture(autouse=True)
def _default_language_and_time_zone():
    """Each test starts as a worker does: the default language and time zone. A request made by an
    earlier test leaves its own active in the thread (Django does not reset them after a response)."""
    from django.utils import timezone, translation

    translation.deactivate()
    timezone.deactivate()
    yield
    translation.deactivate()
    timezone.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    _clear_caches()
    yield
    _clear_caches()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (emails, pushes) inside a test transaction."""
    return django_capture_on_commit_callbacks


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Alice Studio", currency="EUR")


@pytest.fixture
def user(organization):
    member = MembershipFactory(organization=organization, role="owner", user__email="alice@example.test")
    return member.user


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Bob Corp", currency="XOF", locale="fr")


@pytest.fixture
def other_user(other_organization):
    return MembershipFactory(organization=other_organization, role="owner", user__email="bob@example.test").user


@pytest.fixture
def staff_user(db):
    return UserFactory(email="agent@example.test", is_staff=True)


@pytest.fixture
def admin_user(db):
    return UserFactory(email="admin@example.test", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    """A superuser session that passed the TOTP check, as Django Admin requires."""
    from accounts.tests.factories import login_with_2fa

    return login_with_2fa(client, admin_user)


# Test clients speak like an English browser: they send Accept-Language, as browsers and the
# mobile apps do (French is the language of a client that sends none). Tests of French pages
# say so: `client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"` or a French user or organization.
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def client():
    from django.test import Client

    return Client(**ENGLISH_BROWSER)


@pytest.fixture
def async_client():
    from django.test import AsyncClient

    return AsyncClient(**ENGLISH_BROWSER)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient(**ENGLISH_BROWSER)


@pytest.fixture
def auth_api(api_client, user):
    """An API client authenticated as `user` with a real JWT access token."""
    from rest_framework_simplejwt.tokens import RefreshToken

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return api_client


@pytest.fixture
def client_user(client, user):
    client.force_login(user)
    return client


requires_postgres = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL (set DATABASE_URL): SQLite has no row locks or concurrent writers",
)
requires_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (set REDIS_URL)")


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def _browser():
    """Chromium for one test module. Module scope, because Playwright's sync API keeps an event
    loop running in this thread, which async tests collected later must not find."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (bin/install-system-deps installs it where apt-get can run)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    # The ORM calls the tests make between page actions are synchronous and safe, but Django
    # sees Playwright's running loop and would refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(_browser, live_server):
    """A fresh browser tab (own cookies) on the live test server: `page.goto("/accounts/login/")`."""
    context = _browser.new_context(base_url=live_server.url, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()
