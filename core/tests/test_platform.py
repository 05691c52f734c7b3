import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings
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
    with pytest.raises(Exception, match="decimal places"):
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


def test_production_profile_passes_check_deploy():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "production-secret-key-for-the-check-only" + "y" * 20,
        "ALLOWED_HOSTS": "webox.example.com", "TESTING": "false",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_profile_requires_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DEBUG="false", ALLOWED_HOSTS="webox.example.com")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
