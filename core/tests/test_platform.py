import os
import runpy
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import PeriodicTask

from core.errors import InvalidTransition
from core.models import TaskRun
from core.money import format_money, percent_of, prorate, to_minor
from core.schedules import Periodic, sync_periodic_tasks
from core.state import StateMachine
from core.tasks_log import record_run


def test_percent_rounds_half_up_once_in_the_minor_unit():
    assert percent_of(1250, Decimal("20")) == 250
    assert percent_of(125, Decimal("10")) == 13  # 12.5 -> 13, not banker's 12
    assert percent_of(5, Decimal("50")) == 3  # XOF: 2.5 F -> 3 F
    assert prorate(3000, 15, 30) == 1500


def test_amounts_from_outside_respect_the_currency_exponent():
    assert to_minor("19.99", "EUR") == 1999
    assert to_minor("5000", "XOF") == 5000
    with pytest.raises(Exception, match="décimales"):
        to_minor("10.5", "XOF")


def test_money_is_formatted_by_locale():
    assert format_money(123456, "EUR", "fr") == "1\u202f234,56\xa0€"
    assert format_money(123456, "EUR", "en") == "€1,234.56"
    assert "5\u202f000" in format_money(5000, "XOF", "fr")


def test_state_machine_refuses_a_transition_not_in_its_table():
    machine = StateMachine({"draft": {"open"}, "open": {"paid"}})

    class Thing:
        status = "draft"

    thing = machine.advance(Thing(), "open", save=False)
    assert thing.status == "open"
    with pytest.raises(InvalidTransition):
        machine.advance(thing, "draft", save=False)


@pytest.mark.django_db
def test_record_run_logs_counts_and_failures():
    with record_run("demo.task") as counts:
        counts["emails"] += 2
    with pytest.raises(RuntimeError), record_run("demo.task"):
        raise RuntimeError("boom")
    ok, failed = TaskRun.objects.order_by("started_at")
    assert (ok.outcome, ok.counts) == ("succeeded", {"emails": 2})
    assert failed.outcome == "failed" and "boom" in failed.error


@pytest.mark.django_db
def test_declared_periodic_tasks_are_created_once_and_staff_changes_are_kept(monkeypatch):
    spec = Periodic(name="demo: nightly", task="core.tasks.demo", crontab={"minute": "0", "hour": "3"})
    monkeypatch.setattr("core.schedules.declared_tasks", lambda: [spec])
    sync_periodic_tasks()
    task = PeriodicTask.objects.get(name="demo: nightly")
    assert (task.crontab.hour, str(task.crontab.timezone)) == ("3", settings.PLATFORM_TIME_ZONE)
    task.enabled = False
    task.save()
    sync_periodic_tasks()
    assert PeriodicTask.objects.filter(name="demo: nightly").count() == 1
    assert PeriodicTask.objects.get(name="demo: nightly").enabled is False


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_refuses_without_debug(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    from accounts.models import User

    assert User.objects.filter(email__in=["staff@webox.test", "alice@webox.test", "bob@webox.test"]).count() == 3
    alice = User.objects.get(email="alice@webox.test")
    assert alice.check_password("webox-demo") and alice.default_organization.currency == "EUR"
    assert User.objects.get(email="bob@webox.test").default_organization.currency == "XOF"
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 20 + "production-secret-key-for-the-check-only" + "y" * 20,
    "ALLOWED_HOSTS": "webox.example.com",
    "SITE_URL": "https://webox.example.com",
    "DATABASE_URL": "postgres://webox@127.0.0.1:5432/webox",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    # Real payments only: the sandbox would refuse the start (core/tests/test_deploy_checks.py).
    "PAYMENT_PROVIDERS": "stripe",
    "STRIPE_SECRET_KEY": "sk_live_for_the_check_only",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_for_the_check_only",
    "STRIPE_WEBHOOK_SECRET": "whsec_for_the_check_only",
    # The company's own identity: the development one's would refuse the start (webox.E006).
    "SELLER_SIREN": "732829320",
    "SELLER_VAT_NUMBER": "FR44732829320",
    "SELLER_ADDRESS_LINE": "1 avenue des Tests",
    "SELLER_EMAIL": "factures@webox.example.com",
}


def load_production(monkeypatch, **changes):
    """The production profile's settings for PRODUCTION_ENV with `changes` (None removes a variable),
    read as a fresh process would: billing.conf and base's PAYMENT_TEST_MODE and SELLER are read again from
    that environment for the duration of the test."""
    from billing import conf
    from config.settings import base

    for name, value in {**PRODUCTION_ENV, **changes}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    for name, value in runpy.run_path(conf.__file__).items():
        if name.isupper():
            monkeypatch.setattr(conf, name, value)
    monkeypatch.setattr(base, "PAYMENT_TEST_MODE", base.env.bool("PAYMENT_TEST_MODE", default=False))
    monkeypatch.setattr(base, "SELLER", base.seller_from_environment())
    return runpy.run_module("config.settings.production")


def test_production_profile_passes_check_deploy():
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG")} | PRODUCTION_ENV
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_every_entry_point_defaults_to_the_production_profile():
    for entry in ("manage.py", "config/asgi.py", "config/wsgi.py", "config/celery.py"):
        text = (settings.BASE_DIR / entry).read_text()
        assert 'setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")' in text, entry


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "DATABASE_URL", "REDIS_URL"])
def test_production_profile_refuses_to_start_without_what_a_deployment_must_name(monkeypatch, missing):
    with pytest.raises(ImproperlyConfigured, match=missing):
        load_production(monkeypatch, **{missing: None})


def test_debug_is_off_unless_the_local_profile_turns_it_on(monkeypatch):
    monkeypatch.setenv("DEBUG", "true")  # the variable no longer decides: the profile does
    from config.settings import base

    assert base.DEBUG is False
    assert load_production(monkeypatch)["DEBUG"] is False
    assert runpy.run_module("config.settings.local")["DEBUG"] is True
    assert settings.DEBUG is False  # the test profile tests production's behaviour


def test_production_uses_the_servers_it_is_given(monkeypatch):
    production = load_production(monkeypatch)
    assert production["DATABASES"]["default"]["ENGINE"].endswith("postgresql")
    assert production["CACHES"]["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert production["CHANNEL_LAYERS"]["default"]["BACKEND"] == "notifications.layers.RedisChannelLayer"
    assert production["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/0"
    assert production["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert production["SESSION_COOKIE_SECURE"] and production["SECURE_SSL_REDIRECT"]
    assert production["ADMIN_2FA_EXEMPT_EMAILS"] == []


def test_tokens_in_query_strings_never_reach_a_log_line():
    import io
    import logging
    import logging.config

    stream = io.StringIO()
    config = {**settings.LOGGING, "handlers": {"console": {**settings.LOGGING["handlers"]["console"], "stream": stream}}}
    logging.config.dictConfig(config)
    try:
        # What uvicorn prints when a mobile app opens its socket, and an access line.
        client = "10.0.0.7:5123"
        logging.getLogger("uvicorn.error").info('%s - "WebSocket %s" [accepted]', client, "/ws/notifications/?token=eyJ.a.b")
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', client, "GET", "/x/?a=1&refresh=abc.def", "1.1", 200)
    finally:
        logging.config.dictConfig(settings.LOGGING)
    output = stream.getvalue()
    assert "eyJ.a.b" not in output and "abc.def" not in output
    assert "/ws/notifications/?token=[redacted]" in output and "/x/?a=1&refresh=[redacted]" in output


def test_the_procfile_and_supervisord_start_the_same_scripts():
    """Both name web, worker and beat, through the same executable scripts in bin/."""
    import configparser

    root = settings.BASE_DIR
    procfile = dict(
        line.split(":", 1) for line in (root / "Procfile").read_text().splitlines() if line and not line.startswith("#")
    )
    procfile = {name: command.strip() for name, command in procfile.items()}
    supervisord = configparser.RawConfigParser()
    supervisord.read(root / "deploy" / "supervisord.conf")
    programs = {
        section.removeprefix("program:"): supervisord[section]["command"].replace("%(here)s/../", "")
        for section in supervisord.sections()
        if section.startswith("program:")
    }
    assert procfile == programs == {"web": "bin/web", "worker": "bin/worker", "beat": "bin/beat"}
    for script in procfile.values():
        assert os.access(root / script, os.X_OK), script
    assert all(supervisord[f"program:{name}"]["autorestart"] == "true" for name in programs)
