"""The web processes' PostgreSQL pool (DATABASE_POOL_SIZE, set by bin/web): configured only for
PostgreSQL, connections reused across requests, each checked before reuse."""

import pytest
from django.db import connection

from config.settings.base import database
from conftest import requires_postgres


def test_the_pool_is_configured_for_postgresql_only(monkeypatch):
    assert "pool" not in database("postgres://webox@db/webox").get("OPTIONS", {})
    monkeypatch.setenv("DATABASE_POOL_SIZE", "5")
    config = database("postgres://webox@db/webox")
    assert config["OPTIONS"]["pool"]["max_size"] == 5
    assert (config["CONN_MAX_AGE"], config["CONN_HEALTH_CHECKS"]) == (0, True)
    assert "pool" not in database("sqlite:///webox.sqlite3")["OPTIONS"]


@requires_postgres
@pytest.mark.django_db
def test_a_closed_connection_goes_back_to_the_pool_and_is_reused():
    from django.db.backends.postgresql.base import DatabaseWrapper

    settings = {**connection.settings_dict, "OPTIONS": {"pool": {"min_size": 1, "max_size": 1}}, "CONN_HEALTH_CHECKS": True}
    wrapper = DatabaseWrapper(settings, alias="default")  # its own pool: the default connection has none
    backends = set()
    try:
        for _ in range(5):  # five "requests", each closing its connection at the end
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backends.add(cursor.fetchone()[0])
            wrapper.close()
        assert len(backends) == 1  # without the pool: five connections, five server processes
    finally:
        wrapper.close_pool()
