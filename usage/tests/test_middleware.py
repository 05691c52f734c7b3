"""The traffic middleware: exact bytes, streams and downloads, no query, counters only."""

import threading

import pytest

from usage import selectors, services
from usage.counters import store
from usage.models import Metric, UsageRecord

pytestmark = [pytest.mark.django_db, pytest.mark.urls("usage.tests.urls")]

MIDDLEWARE_PATH = "usage.middleware.UsageMiddleware"


@pytest.fixture(autouse=True)
def metered(settings):
    if MIDDLEWARE_PATH not in settings.MIDDLEWARE:
        at = settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
        settings.MIDDLEWARE = [*settings.MIDDLEWARE[:at], MIDDLEWARE_PATH, *settings.MIDDLEWARE[at:]]


def traffic(org):
    return selectors.current_usage(organization=org, metric=Metric.TRAFFIC_BYTES)


def raw_response(response, body):
    head = b"HTTP/1.1 %d %s\r\n" % (response.status_code, response.reason_phrase.encode())
    return head + response.serialize_headers() + b"\r\n\r\n" + body


def test_exact_bytes_of_a_known_api_request(auth_api, organization):
    token = auth_api._credentials["HTTP_AUTHORIZATION"]
    body = b'{"a": 1}'
    response = auth_api.post("/api/t/hello/?x=1", data=body, content_type="application/json")
    assert response.content == b'{"hello":"world"}'
    sent = (
        b"POST /api/t/hello/?x=1 HTTP/1.1\r\n"
        b"Accept-Language: en\r\n"
        b"Authorization: " + token.encode() + b"\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: 8\r\n"
        b"\r\n" + body
    )
    received = raw_response(response, response.content)
    assert traffic(organization) == len(sent) + len(received)
    assert selectors.current_usage(organization=organization, metric=Metric.API_REQUESTS) == 1


def test_a_file_download_counts_the_bytes_streamed(client_user, organization):
    response = client_user.get("/t/download/")
    assert traffic(organization) == 0  # nothing sent yet
    body = b"".join(response.streaming_content)  # the test client closes the response at the end
    assert len(body) == 200_000
    cookie = response.wsgi_request.META["HTTP_COOKIE"]
    sent = b"GET /t/download/ HTTP/1.1\r\nAccept-Language: en\r\nCookie: " + cookie.encode() + b"\r\n\r\n"
    assert traffic(organization) == len(sent) + len(raw_response(response, body))
    assert selectors.current_usage(organization=organization, metric=Metric.API_REQUESTS) == 0


def test_a_stream_closed_midway_counts_what_was_sent(client_user, organization):
    response = client_user.get("/t/stream/")
    chunks = iter(response.streaming_content)
    first = next(chunks)
    response._iterator.close()  # the client hangs up after the first chunk: the server closes the response
    head = (
        len(raw_response(response, b""))
        + len(b"GET /t/stream/ HTTP/1.1\r\nAccept-Language: en\r\nCookie: \r\n\r\n")
        + len(response.wsgi_request.META["HTTP_COOKIE"])
    )
    assert first == b"a" * 10
    assert traffic(organization) == head + 10


def test_anonymous_requests_are_not_metered(client, organization):
    client.get("/t/public/")
    client.get("/api/t/hello/")
    assert traffic(organization) == 0


def test_no_database_query_and_no_row_per_request(client_user, organization, django_assert_num_queries, settings):
    client_user.get("/t/page/")  # warm up: session and user are loaded by the page itself
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE_PATH]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as without:
        client_user.get("/t/page/")
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE_PATH]
    before = traffic(organization)
    with django_assert_num_queries(len(without.captured_queries)):
        client_user.get("/t/page/")
    assert traffic(organization) > before
    assert not UsageRecord.objects.filter(metric=Metric.TRAFFIC_BYTES).exists()
    services.flush_counters()
    assert UsageRecord.objects.get(metric=Metric.TRAFFIC_BYTES).value == traffic(organization)


@pytest.fixture
def held_sender(monkeypatch):
    """The counter store's sender thread, held inside its first round until `release` is set."""
    sender = store().sender
    real_send, calls, sending, release = sender._send, [], threading.Event(), threading.Event()

    def send(amounts):
        calls.append(amounts)
        sending.set()
        assert release.wait(5)
        real_send(amounts)

    monkeypatch.setattr(sender, "_send", send)
    return calls, sending, release


def test_a_request_never_waits_on_the_cache_and_increments_queued_meanwhile_go_out_together(
    auth_api, organization, held_sender
):
    calls, sending, release = held_sender
    assert auth_api.get("/api/t/hello/").status_code == 200
    assert sending.wait(5)  # the sender thread is stuck in its round trip...
    for _ in range(20):
        assert auth_api.get("/api/t/hello/").status_code == 200  # ...and requests are answered all the same
    release.set()
    assert selectors.current_usage(organization=organization, metric=Metric.API_REQUESTS) == 21
    assert len(calls) == 2  # the first request alone, then the twenty summed in one round
    assert min(calls[1].values()) == 20  # api_requests: 20 (traffic is in bytes)


def test_increments_survive_a_cache_outage_and_are_sent_when_it_is_back(auth_api, organization, monkeypatch):
    sender = store().sender
    real_send, failures = sender._send, []

    def flaky(amounts):
        if not failures:
            failures.append(amounts)
            raise ConnectionError("cache down")
        real_send(amounts)

    monkeypatch.setattr(sender, "_send", flaky)
    for _ in range(3):
        assert auth_api.get("/api/t/hello/").status_code == 200
    assert selectors.current_usage(organization=organization, metric=Metric.API_REQUESTS) == 3
    assert failures
