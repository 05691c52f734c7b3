"""The API throttles: the anonymous and user rates, a 429 with Retry-After past them, and one
cache round trip per request on Redis."""

import pytest
from django.test import RequestFactory
from redis.client import Pipeline, Redis
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from conftest import requires_redis
from core.api.throttling import RequestRateThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(monkeypatch):
    # DRF reads the rates once, at import: set the class attribute for this test only.
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "anon": "2/min", "user": "3/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    # 15 s into a window of a minute, for the whole test (a slow run would otherwise cross into the next one).
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: 1_800_000_015.0))


def test_visitors_and_users_each_get_their_own_rate(rates, api_client, auth_api_other):
    codes = [api_client.get("/api/v1/catalog/categories/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = api_client.get("/api/v1/catalog/categories/")
    assert refused.json()["error"]["code"] == "throttled"
    assert refused["Retry-After"] == "45"
    # A signed-in user from the same address is counted by their account, at the user rate.
    assert [auth_api_other.get("/api/v1/catalog/categories/").status_code for _ in range(4)] == [200, 200, 200, 429]


@pytest.fixture
def auth_api_other(user):
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import AccessToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


@requires_redis
def test_a_throttled_request_costs_one_redis_round_trip(rates, monkeypatch):
    trips = []
    original_command, original_pipeline = Redis.execute_command, Pipeline.execute
    monkeypatch.setattr(Redis, "execute_command", lambda self, *a, **k: trips.append(a[0]) or original_command(self, *a, **k))
    monkeypatch.setattr(Pipeline, "execute", lambda self, *a, **k: trips.append("pipeline") or original_pipeline(self, *a, **k))
    request = Request(RequestFactory().get("/api/v1/catalog/categories/", REMOTE_ADDR="192.0.2.7"))
    allowed = [RequestRateThrottle().allow_request(request, None) for _ in range(3)]
    assert allowed == [True, True, False]
    assert trips == ["pipeline"] * 3
