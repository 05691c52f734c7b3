"""Throttles that know who the client is and fit real users: the address comes from
X-Forwarded-For only through the trusted proxies, refresh is limited per user (mobile users share
carrier-grade NAT addresses), login failures lock the account from any address, and emails asked
from outside (reset links, verification) are limited per address and per target."""

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import UserFactory
from conftest import ENGLISH_BROWSER
from notifications.models import EmailLog

PASSWORD = "correct-horse-battery"
NAT = "198.51.100.7"


@pytest.fixture(autouse=True)
def _one_window():
    """The throttles count in fixed windows: keep every request of a test in one."""
    with time_machine.travel(timezone.now().replace(second=1), tick=False):
        yield


@pytest.fixture
def rates(monkeypatch):
    def set_rates(**changes):
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **changes})

    return set_rates


def login(email, *, address, forwarded=None, password=PASSWORD):
    headers = {"REMOTE_ADDR": address, **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})}
    return APIClient(**ENGLISH_BROWSER).post("/api/v1/auth/token/", {"email": email, "password": password}, **headers)


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_pick_a_new_bucket_without_a_trusted_proxy(rates, user):
    rates(auth="3/min")
    answers = [login(user.email, address=NAT, forwarded=f"10.0.0.{n}").status_code for n in range(4)]
    assert answers == [200, 200, 200, 429]


@pytest.mark.django_db
def test_behind_one_trusted_proxy_the_client_is_the_address_the_proxy_added(rates, settings, user):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    rates(auth="3/min")
    proxy = "10.9.9.9"
    # The client writes whatever it likes first; the proxy appends the address it saw.
    answers = [login(user.email, address=proxy, forwarded=f"1.2.3.{n}, 203.0.113.5").status_code for n in range(4)]
    assert answers == [200, 200, 200, 429]
    assert login(user.email, address=proxy, forwarded="203.0.113.6").status_code == 200  # another client


@pytest.mark.django_db
def test_two_hundred_users_behind_one_address_all_refresh_and_one_user_is_limited(rates, django_user_model):
    rates(refresh="5/min")
    users = django_user_model.objects.bulk_create(
        [django_user_model(email=f"nat{n}@example.test", password="!") for n in range(200)]
    )
    api = APIClient(**ENGLISH_BROWSER)
    answers = [
        api.post("/api/v1/auth/token/refresh/", {"refresh": str(RefreshToken.for_user(u))}, REMOTE_ADDR=NAT).status_code
        for u in users
    ]
    assert answers == [200] * 200
    refresh = str(RefreshToken.for_user(users[0]))
    for _ in range(4):  # one more after the one above makes five this minute
        response = api.post("/api/v1/auth/token/refresh/", {"refresh": refresh}, REMOTE_ADDR=NAT)
        assert response.status_code == 200
        refresh = response.json()["refresh"]
    limited = api.post("/api/v1/auth/token/refresh/", {"refresh": refresh}, REMOTE_ADDR=NAT)
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "throttled"


@pytest.mark.django_db
def test_guesses_from_many_addresses_lock_the_account(settings, user):
    settings.AXES_FAILURE_LIMIT = 5
    answers = [login(user.email, address=f"192.0.2.{n}", password="guess").status_code for n in range(1, 8)]
    assert answers == [401] * 4 + [429] * 3
    assert login(user.email, address="192.0.2.99").json()["error"]["code"] == "account_locked"
    assert login("someone-else@example.test", address="192.0.2.99", password="guess").status_code == 401


@pytest.mark.django_db
def test_reset_links_are_limited_per_address_and_per_target(rates, client, user, run_on_commit):
    rates(email_address="2/hour", email_target="2/hour")
    with run_on_commit(execute=True):
        answers = [
            client.post("/accounts/password/reset/", {"email": user.email}, REMOTE_ADDR=f"192.0.2.{n}").status_code
            for n in range(3)
        ]
    assert answers == [302, 302, 429]
    assert EmailLog.objects.filter(kind="password_reset").count() == 2 and len(mail.outbox) == 2
    refused = client.post("/accounts/password/reset/", {"email": "x@example.test"}, REMOTE_ADDR="192.0.2.0")
    assert refused.status_code == 302  # the second request of that address: allowed
    refused = client.post("/accounts/password/reset/", {"email": "y@example.test"}, REMOTE_ADDR="192.0.2.0")
    assert refused.status_code == 429 and "wait an hour" in refused.content.decode()


@pytest.mark.django_db
def test_verification_emails_are_limited(rates, client, run_on_commit):
    rates(email_target="1/hour")
    person = UserFactory(email="new@example.test", email_verified_at=None)
    client.force_login(person)
    with run_on_commit(execute=True):
        client.post("/accounts/verify-again/")
        client.post("/accounts/verify-again/")
    assert EmailLog.objects.filter(kind="verify_email").count() == 1


@pytest.mark.django_db
def test_the_login_page_is_limited_per_address_too(rates, client, user):
    rates(auth="3/min")
    answers = [
        client.post("/accounts/login/", {"username": f"u{n}@example.test", "password": "x"}, REMOTE_ADDR=NAT).status_code
        for n in range(3)
    ]
    refused = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD}, REMOTE_ADDR=NAT)
    assert answers == [200, 200, 200] and refused.status_code == 429
    assert "Too many login attempts" in refused.content.decode()
    elsewhere = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.50")
    assert elsewhere.status_code == 302
