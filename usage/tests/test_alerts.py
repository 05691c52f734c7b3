"""Alerts at 80, 95 and 100 % once per metric and month, and the month-end projection alert."""

import pytest
import time_machine
from django.core import mail

from billing import services as billing_services
from billing.tests.factories import PlanFactory
from generation import services as generation_services
from notifications.models import Notification
from usage import services
from usage.models import Metric, UsageAlert
from usage.tests.conftest import GB

pytestmark = pytest.mark.django_db

# Free plan: 1 GB of storage, 100 credits a month.


def alerts(org, metric):
    return list(UsageAlert.objects.filter(organization=org, metric=metric).order_by("pk").values_list("level", flat=True))


@time_machine.travel("2026-03-20 10:00Z", tick=False)
def test_each_level_is_sent_once_per_month_as_a_notification_and_an_email(organization, user, run_on_commit):
    with run_on_commit(execute=True):
        services.adjust_storage(organization=organization, delta_bytes=int(0.79 * GB))
        assert alerts(organization, Metric.STORAGE_BYTES) == []
        services.adjust_storage(organization=organization, delta_bytes=int(0.02 * GB))  # 81 %
        services.adjust_storage(organization=organization, delta_bytes=1000)  # still 81 %: nothing new
        services.check_alerts(organization=organization)  # the 06:00 check: nothing new either
        services.adjust_storage(organization=organization, delta_bytes=int(0.15 * GB))  # 96 %
        services.adjust_storage(organization=organization, delta_bytes=int(0.05 * GB))  # 101 %
        services.adjust_storage(organization=organization, delta_bytes=-int(0.5 * GB))
        services.adjust_storage(organization=organization, delta_bytes=int(0.5 * GB))  # 100 % again: already told
    assert alerts(organization, Metric.STORAGE_BYTES) == ["80", "95", "100"]
    titles = list(Notification.objects.filter(recipient=user).order_by("pk").values_list("title", flat=True))
    assert titles == [
        "Storage: 80% of your monthly limit used",
        "Storage: 95% of your monthly limit used",
        "Storage: 100% of your monthly limit used",
    ]
    assert [m.subject for m in mail.outbox] == titles
    assert mail.outbox[0].to == [user.email]
    assert "/usage/" in mail.outbox[0].body


def test_the_levels_come_back_next_month(organization, user):
    with time_machine.travel("2026-03-20 10:00Z"):
        services.adjust_storage(organization=organization, delta_bytes=int(0.9 * GB))
    with time_machine.travel("2026-04-02 06:00Z"):
        services.check_alerts(organization=organization)
    assert UsageAlert.objects.filter(metric=Metric.STORAGE_BYTES, level="80").count() == 2


def test_levels_crossed_at_once_send_one_message_naming_the_highest(organization, user):
    services.adjust_storage(organization=organization, delta_bytes=int(0.97 * GB))
    assert alerts(organization, Metric.STORAGE_BYTES) == ["80", "95"]
    assert Notification.objects.filter(kind="usage_alert").count() == 1
    assert "95%" in Notification.objects.get().title


@time_machine.travel("2026-03-20 10:00Z", tick=False)
def test_a_request_counter_crossing_a_level_alerts_at_the_next_flush(organization, user, run_on_commit):
    with run_on_commit(execute=True):
        services.record(organization=organization, metric=Metric.TRAFFIC_BYTES, amount=int(0.85 * GB))
    assert alerts(organization, Metric.TRAFFIC_BYTES) == []
    services.flush_counters()
    assert "80" in alerts(organization, Metric.TRAFFIC_BYTES)


@pytest.fixture
def included_credits(organization):
    """A Free subscription whose period includes 100 credits (granted at once: nothing to pay)."""
    free = PlanFactory(code="free-alerts", name="Free", tier="free", generation_credits=100, prices={"EUR": 0, "XOF": 0})
    billing_services.subscribe(organization=organization, plan=free)
    return organization


def spend(organization, credits):
    """Credits spent from the ledger, then counted as generation does when a job settles."""
    generation_services.adjust_credits(organization=organization, amount=-credits, note="jobs")
    services.record(organization=organization, metric=Metric.GENERATION_CREDITS, amount=credits)


@time_machine.travel("2026-03-31 20:00Z", tick=False)  # the month's last hours: no projection alert
def test_credits_crossing_a_level_alert_at_once_from_the_ledger(included_credits, user, run_on_commit):
    generation_services.grant_credits(organization=included_credits, amount=40, reason="pack", order_ref="CMD-A")
    with run_on_commit(execute=True):
        spend(included_credits, 79)
        assert alerts(included_credits, Metric.GENERATION_CREDITS) == []
    with run_on_commit(execute=True):
        spend(included_credits, 2)  # 81 of the 100 included
    assert alerts(included_credits, Metric.GENERATION_CREDITS) == ["80"]
    notification = Notification.objects.get(kind="usage_alert")
    assert notification.title == "Generation credits: 80% of this period's included credits used"
    assert "59 credits left, 40 of them purchased" in notification.body
    assert "new jobs are refused until you buy a credit pack or your plan's next credits arrive" in notification.body
    with run_on_commit(execute=True):
        spend(included_credits, 25)  # 100 % of the included, purchased credits go on
    assert alerts(included_credits, Metric.GENERATION_CREDITS) == ["80", "95", "100"]
    assert "34 credits left, 34 of them purchased" in Notification.objects.latest("pk").body


def test_credit_alerts_in_french(included_credits, user, run_on_commit):
    user.locale = "fr"
    user.save()
    with run_on_commit(execute=True):
        spend(included_credits, 96)
    assert mail.outbox[0].subject == "Crédits de génération : 95 % des crédits inclus de la période utilisés"
    assert "Vous avez utilisé 96 des 100 crédits inclus" in mail.outbox[0].body
    assert "4 crédits restants" in mail.outbox[0].body


def test_the_month_counter_of_credits_alerts_nothing_on_its_own(organization, user, run_on_commit):
    """Without credits included this period nothing is "past a limit": purchased credits are the limit."""
    with run_on_commit(execute=True):
        services.record(organization=organization, metric=Metric.GENERATION_CREDITS, amount=500)
    services.flush_counters()
    services.check_alerts(organization=organization)
    assert alerts(organization, Metric.GENERATION_CREDITS) == []


@time_machine.travel("2026-03-10 00:00+01:00", tick=False)
def test_projection_past_the_limit_is_alerted_once(organization, user):
    # 0.3 GB of traffic in the first 9 days of a 31-day month: about 1.03 GB by the end, over the 1 GB allowed.
    services.record(organization=organization, metric=Metric.TRAFFIC_BYTES, amount=int(0.3 * GB))
    services.flush_counters()
    services.check_alerts(organization=organization)
    services.check_alerts(organization=organization)
    assert alerts(organization, Metric.TRAFFIC_BYTES) == ["projection"]
    alert = UsageAlert.objects.get()
    assert alert.limit == GB and GB < alert.used < 1.04 * GB
    assert "on track to pass" in Notification.objects.get().title


@time_machine.travel("2026-03-10 00:00Z", tick=False)
def test_no_projection_alert_when_the_pace_fits(organization, user):
    services.record(organization=organization, metric=Metric.TRAFFIC_BYTES, amount=int(0.2 * GB))
    services.check_alerts(organization=organization)
    assert alerts(organization, Metric.TRAFFIC_BYTES) == []


def test_french_members_get_the_alert_in_french(organization, user, run_on_commit):
    user.locale = "fr"
    user.save()
    with run_on_commit(execute=True):
        services.adjust_storage(organization=organization, delta_bytes=GB * 81 // 100 + 1024**2)
    assert mail.outbox[0].subject == "Stockage : 80 % de votre limite mensuelle utilisés"
    assert "Vous avez utilisé" in mail.outbox[0].body and "81 %" in mail.outbox[0].body


def test_two_credit_periods_starting_the_same_day_are_alerted_once_each(organization, user, run_on_commit):
    """A trial's allowance, then the paid period an upgrade starts the same morning: the second
    period's 80 % is its own alert, not taken for the trial's (alerts are keyed on the period's
    start, not its day)."""
    trial_plan = PlanFactory(code="pro-alerts", name="Pro", generation_credits=100, prices={"EUR": 1900})
    business = PlanFactory(code="business-alerts", name="Business", generation_credits=200, prices={"EUR": 4900})
    with time_machine.travel("2026-03-10 08:00Z", tick=False), run_on_commit(execute=True):
        subscription = billing_services.subscribe(organization=organization, plan=trial_plan, trial=True)
        spend(organization, 81)
    assert alerts(organization, Metric.GENERATION_CREDITS) == ["80"]
    with time_machine.travel("2026-03-10 11:00Z", tick=False), run_on_commit(execute=True):
        _subscription, invoice = billing_services.change_plan(subscription=subscription, plan=business)
        billing_services.mark_invoice_paid(invoice=invoice, amount=invoice.amount_due, reference="test:upgrade")
        spend(organization, 161)
    assert alerts(organization, Metric.GENERATION_CREDITS) == ["80", "80"]
    starts = UsageAlert.objects.filter(metric=Metric.GENERATION_CREDITS).order_by("pk").values_list("period_start", flat=True)
    assert [start.isoformat() for start in starts] == ["2026-03-10T08:00:00+00:00", "2026-03-10T11:00:00+00:00"]
