"""A page never saves and then answers 500: what runs after the commit (cache refreshes, queuing
tasks) may fail, and the request still answers what it saved."""

import logging

import pytest
import redis.exceptions
from django.contrib.auth.backends import ModelBackend
from django.db import OperationalError
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerDown
from psycopg_pool import PoolTimeout

from backoffice import cache as backoffice_cache
from billing.models import Invoice
from billing.selectors import pay_url
from billing.services.delivery import render_invoice_documents
from catalog import services as catalog_services
from catalog.models import Order
from catalog.tests.factories import ProductFactory
from catalog.tests.test_checkout import fill
from core.outages import UNAVAILABLE
from notifications.tasks import deliver_email

pytestmark = pytest.mark.django_db


def test_the_html_checkout_answers_what_it_saved_when_the_cache_and_broker_are_down(
    client_user, user, organization, run_on_commit, monkeypatch, caplog
):
    def cache_down(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def broker_down(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(backoffice_cache, "bump", cache_down)
    monkeypatch.setattr(render_invoice_documents, "delay", broker_down)
    monkeypatch.setattr(deliver_email, "delay", broker_down)
    fill(user, organization, (ProductFactory(eur=1000), 1))
    with run_on_commit(execute=True) as callbacks:
        response = client_user.post(
            reverse("catalog:checkout"),
            {**catalog_services.billing_defaults(organization), "payment_method": "card", "expected_total": 1200},
        )
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == pay_url(Invoice.objects.get(pk=order.invoice_id), method="card")
    assert callbacks  # the side effects ran, and failed:
    assert "after_commit_failed what=backoffice_cache_bump error=ConnectionError" in caplog.text
    assert "task_not_queued task=billing.tasks.render_invoice_documents" in caplog.text


def test_with_redis_down_pages_and_the_api_answer_a_clean_503(settings, db, caplog):
    from django.test import Client

    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient", "SOCKET_CONNECT_TIMEOUT": 1},
        }
    }
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/shop/")
    assert page.status_code == 503 and page["Retry-After"] == "60"
    assert b"briefly unavailable" in page.content
    api = client.get("/api/v1/catalog/products/")
    assert api.status_code == 503 and api.json()["error"]["code"] == "service_unavailable"
    # Logged as what it is, one warning line per request, not a server error with its traceback.
    requests = [record for record in caplog.records if record.name == "django.request"]
    assert [(r.levelname, r.exc_info) for r in requests] == [("WARNING", None)] * 2
    assert "Service Unavailable: /shop/ error=ConnectionError" in requests[0].getMessage()


def test_a_real_server_error_is_still_logged_with_its_traceback(caplog):
    try:
        raise ValueError("a bug")
    except ValueError:
        logging.getLogger("django.request").error("Internal Server Error: /x/", exc_info=True)
    (record,) = caplog.records
    assert record.levelname == "ERROR" and record.exc_info[0] is ValueError


@pytest.mark.parametrize(("cause", "status"), [(PoolTimeout("couldn't get a connection after 10.00 sec"), 503), (None, 500)])
def test_logins_answer_503_when_no_database_connection_is_free_in_time(db, monkeypatch, cause, status):
    """Many logins at once hold every pooled connection while they hash passwords; those queued
    behind them wait the pool's timeout and get Django's OperationalError raised from psycopg_pool's
    PoolTimeout: a 503 to try again (page and API), not a 500. Another database error stays a 500."""
    from django.test import Client

    def no_connection_free(*args, **kwargs):
        raise OperationalError("couldn't get a connection after 10.00 sec") from cause

    monkeypatch.setattr(ModelBackend, "authenticate", no_connection_free)
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    guess = {"email": "alice@example.test", "password": "guess"}
    api = client.post("/api/v1/auth/token/", guess, content_type="application/json")
    page = client.post(reverse("accounts:login"), {"username": "alice@example.test", "password": "guess"})
    assert (api.status_code, page.status_code) == (status, status)
    if status == 503:
        assert api.json()["error"]["code"] == "service_unavailable" and api["Retry-After"] == "60"
        assert b"briefly unavailable" in page.content and page["Retry-After"] == "60"
    else:
        assert api.json()["error"]["code"] == "server_error"


def test_with_the_cache_down_sessions_are_read_from_the_database(settings, db):
    """A signed-in socket opened while Redis is down reads its session (channels' auth): it must get
    the session, and the socket its 1013, not a server error."""
    from django.contrib.sessions.backends.db import SessionStore as DatabaseSessions

    from core.sessions import SessionStore

    saved = DatabaseSessions()
    saved["_auth_user_id"] = "42"
    saved.save()
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient", "SOCKET_CONNECT_TIMEOUT": 1},
        }
    }
    session = SessionStore(session_key=saved.session_key)
    assert session["_auth_user_id"] == "42"
    assert session.exists(saved.session_key) and not session.exists("no-such-session")
    with pytest.raises(UNAVAILABLE):  # ending a session still needs its cached copy gone
        session.delete()
