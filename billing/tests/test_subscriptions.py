from datetime import UTC, datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction

from billing import recurring, services
from billing.models import Invoice, Subscription
from billing.tests.factories import PlanFactory
from core.errors import Conflict, InvalidTransition, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans():
    return {
        "free": PlanFactory(code="free", tier="free", trial_days=0, prices={"EUR": 0, "XOF": 0}),
        "pro": PlanFactory(code="pro", name="Pro", prices={"EUR": 1900, "XOF": 12000}),
        "business": PlanFactory(code="business", name="Business", tier="business", prices={"EUR": 4900, "XOF": 32000}),
        "pro_year": PlanFactory(code="pro-year", interval="year", prices={"EUR": 19000, "XOF": 120000}),
        "business_year": PlanFactory(code="business-year", tier="business", interval="year", prices={"EUR": 49000}),
        "eur_only": PlanFactory(code="eur-only", prices={"EUR": 500}),
    }


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=UTC), tick=False)


def test_subscribe_without_trial_invoices_the_first_period(organization, plans):
    with at(2026, 11, 1):
        sub = services.subscribe(organization=organization, plan=plans["pro"])
    assert sub.status == "active" and sub.current_period_end == datetime(2026, 12, 1, tzinfo=UTC)
    inv = sub.invoices.get()
    assert (inv.status, inv.net_total, inv.vat_total, inv.total) == ("open", 1900, 380, 2280)


def test_trial_has_no_invoice_and_one_trial_only(organization, plans):
    with at(2026, 11, 1):
        sub = services.subscribe(organization=organization, plan=plans["pro"], trial=True)
    assert sub.status == "trialing" and sub.trial_end == datetime(2026, 11, 15, tzinfo=UTC)
    assert not Invoice.objects.exists()
    services.cancel_subscription(subscription=sub, at_period_end=False)
    with pytest.raises(ValidationFailed):
        services.subscribe(organization=organization, plan=plans["pro"], trial=True)


def test_trial_converts_with_an_invoice_at_its_end(organization, plans):
    from billing import payments

    with at(2026, 11, 1):
        sub = services.subscribe(organization=organization, plan=plans["pro"], trial=True)
        payments.add_payment_method(organization=organization, provider="sandbox", details={"card_number": "4242424242424242"})
    with at(2026, 11, 15, 3):
        assert recurring.process_trials()["trials_converted"] == 1
        assert not recurring.process_trials()  # a second run finds nothing due
    sub.refresh_from_db()
    assert sub.status == "active" and sub.current_period_end == datetime(2026, 12, 15, tzinfo=UTC)
    assert sub.invoices.get().total == 2280


def test_plan_not_sold_in_currency_and_second_subscription_refused(other_organization, plans):
    with pytest.raises(ValidationFailed) as error:
        services.subscribe(organization=other_organization, plan=plans["eur_only"])
    assert error.value.code == "plan_not_available_in_currency"
    services.subscribe(organization=other_organization, plan=plans["pro"])
    with pytest.raises(Conflict):
        services.subscribe(organization=other_organization, plan=plans["business"])
    assert Subscription.objects.filter(organization=other_organization).count() == 1
    assert Invoice.objects.get().currency == "XOF" and Invoice.objects.get().net_total == 12000


def test_one_live_subscription_is_a_database_constraint(organization, plans):
    sub = services.subscribe(organization=organization, plan=plans["pro"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(
            organization=organization,
            plan=plans["business"],
            status="trialing",
            currency="EUR",
            current_period_start=sub.current_period_start,
            current_period_end=sub.current_period_end,
        )


def test_upgrade_in_the_middle_of_a_month_prorates_on_one_invoice(organization, plans):
    with at(2026, 11, 1):
        sub = services.subscribe(organization=organization, plan=plans["pro"])
    with at(2026, 11, 16):  # 15 of 30 days left
        sub, upgrade = services.change_plan(subscription=sub, plan=plans["business"])
    # The new plan waits for its invoice to be paid.
    assert (sub.plan, sub.pending_plan, sub.pending_invoice) == (plans["pro"], plans["business"], upgrade)
    assert [(ln.unit_amount, ln.description.split(" (")[0]) for ln in upgrade.lines.all()] == [
        (-950, "Unused time on Pro"),
        (2450, "Remaining time on Business"),
    ]
    assert (upgrade.net_total, upgrade.vat_total, upgrade.total) == (1500, 300, 1800)
    with at(2026, 11, 17):
        services.mark_invoice_paid(invoice=upgrade, amount=1800, reference="pay_upgrade")
    sub.refresh_from_db()
    assert (sub.plan, sub.pending_plan) == (plans["business"], None)
    assert sub.current_period_end == datetime(2026, 12, 1, tzinfo=UTC)


def test_upgrade_in_the_middle_of_a_year(organization, plans):
    with at(2026, 1, 1):
        sub = services.subscribe(organization=organization, plan=plans["pro_year"])
    with at(2026, 7, 2, 12):  # 182.5 of 365 days left
        sub, upgrade = services.change_plan(subscription=sub, plan=plans["business_year"])
    # credit 19000 × 182.5/365 = 9500; charge 49000 × 182.5/365 = 24500
    assert [ln.unit_amount for ln in upgrade.lines.all()] == [-9500, 24500]
    assert upgrade.total == 18000


def test_upgrade_to_another_interval_starts_a_new_period(organization, plans):
    with at(2026, 11, 1):
        sub = services.subscribe(organization=organization, plan=plans["pro"])
    with at(2026, 11, 11):  # 20 of 30 days unused
        sub, upgrade = services.change_plan(subscription=sub, plan=plans["business_year"])
    assert [ln.unit_amount for ln in upgrade.lines.all()] == [-1267, 49000]
    assert sub.current_period_start == datetime(2026, 11, 1, tzinfo=UTC)  # until it is paid
    with at(2026, 11, 12):
        services.mark_invoice_paid(invoice=upgrade, amount=upgrade.total, reference="pay_upgrade")
    sub.refresh_from_db()
    assert sub.plan == plans["business_year"]
    assert sub.current_period_start == datetime(2026, 11, 11, tzinfo=UTC)
    assert sub.current_period_end == datetime(2027, 11, 11, tzinfo=UTC)


def test_downgrade_waits_for_the_end_of_the_period(organization, plans):
    with at(2026, 11, 1):
        sub = services.subscribe(organization=organization, plan=plans["business"])
    with at(2026, 11, 10):
        sub, invoice = services.change_plan(subscription=sub, plan=plans["pro"])
    assert sub.plan == plans["business"] and sub.scheduled_plan == plans["pro"] and invoice is None
    assert sub.invoices.count() == 1
    with at(2026, 12, 1, 1):
        recurring.renew_due_subscriptions()
    sub.refresh_from_db()
    assert sub.plan == plans["pro"] and sub.scheduled_plan is None
    assert sub.invoices.order_by("-id").first().net_total == 1900


def test_cancel_at_period_end_resume_and_cancel_now(organization, plans):
    with at(2026, 11, 1):
        sub = services.subscribe(organization=organization, plan=plans["pro"])
        sub = services.cancel_subscription(subscription=sub)
        assert sub.cancel_at_period_end and sub.status == "active"
        sub = services.resume_subscription(subscription=sub)
        assert not sub.cancel_at_period_end
        with pytest.raises(InvalidTransition):
            services.resume_subscription(subscription=sub)
        services.cancel_subscription(subscription=sub)
    with at(2026, 12, 1, 1):
        recurring.renew_due_subscriptions()
    sub.refresh_from_db()
    assert sub.status == "canceled" and sub.invoices.count() == 1
    with pytest.raises(InvalidTransition):
        services.resume_subscription(subscription=sub)


def test_cancel_now_then_subscribe_again(organization, plans):
    sub = services.subscribe(organization=organization, plan=plans["pro"])
    sub = services.cancel_subscription(subscription=sub, at_period_end=False)
    assert sub.status == "canceled" and sub.ended_at
    assert services.subscribe(organization=organization, plan=plans["business"]).status == "active"


def test_suspend_reactivate_and_payment_reactivates(organization, plans):
    sub = services.subscribe(organization=organization, plan=plans["pro"])
    services.suspend_subscription(subscription=sub)
    with pytest.raises(InvalidTransition):
        services.suspend_subscription(subscription=sub)
    sub = services.reactivate_subscription(subscription=sub)
    assert sub.status == "active"
    services.suspend_subscription(subscription=sub)
    inv = sub.invoices.get()
    services.mark_invoice_paid(invoice=inv, amount=inv.total, reference="pay_1")
    sub.refresh_from_db()
    assert sub.status == "active"


def test_extend_trial(organization, plans):
    with at(2026, 11, 1):
        sub = services.subscribe(organization=organization, plan=plans["pro"], trial=True)
    sub = services.extend_trial(subscription=sub, days=7)
    assert sub.trial_end == sub.current_period_end == datetime(2026, 11, 22, tzinfo=UTC)


def test_upgrade_during_a_trial_starts_the_paid_period(organization, plans):
    with at(2026, 11, 1):
        sub = services.subscribe(organization=organization, plan=plans["pro"], trial=True)
    with at(2026, 11, 5):
        sub, _invoice = services.change_plan(subscription=sub, plan=plans["business"])
    assert sub.status == "active" and sub.trial_end == datetime(2026, 11, 5, tzinfo=UTC)
    assert sub.current_period_end == datetime(2026, 12, 5, tzinfo=UTC)
    assert [ln.unit_amount for ln in sub.invoices.get().lines.all()] == [4900]


def test_cheaper_plan_during_a_trial_keeps_the_trial(organization, plans):
    with at(2026, 11, 1):
        sub = services.subscribe(organization=organization, plan=plans["business"], trial=True)
        sub, _invoice = services.change_plan(subscription=sub, plan=plans["pro"])
    assert sub.status == "trialing" and sub.plan == plans["pro"] and not Invoice.objects.exists()


def test_periodic_tasks_record_their_runs(organization, plans):
    from billing import tasks
    from core.models import TaskRun

    with at(2026, 11, 1):
        services.subscribe(organization=organization, plan=plans["pro"])
    with at(2026, 12, 1, 1):
        tasks.renew_subscriptions()
    with at(2026, 12, 18, 9):
        tasks.run_dunning()
    runs = {run.task: run.counts for run in TaskRun.objects.all()}
    assert runs == {
        "billing.renew_subscriptions": {"processed": 1, "invoices_issued": 1, "not_charged": 1},
        # the first invoice, due on 15 November, is 33 days late: every reminder step so far
        "billing.dunning": {
            "friendly_reminder": 2,
            "urgent_reminder": 1,
            "suspension_warning": 1,
            "suspend": 1,
            "past_due": 1,
            "requeued": 0,
        },
    }
