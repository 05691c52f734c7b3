"""Recurring invoices and trials run by the periodic tasks."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from billing import payments, services, tasks
from billing.models import BillingSettings, Invoice, Subscription
from billing.services import invoices
from billing.tests.factories import PlanFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
GOOD = "4242424242424242"


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=UTC), tick=False)


@pytest.fixture
def plan():
    return PlanFactory(code="pro-r", name="Pro", prices={"EUR": 3100, "XOF": 20000})


def test_recurring_invoices_twice_in_an_hour_make_one_invoice(organization, plan):
    with at(2026, 3, 10, 12):
        subscription = services.subscribe(organization=organization, plan=plan)
    for minute in (5, 5, 40):
        with at(2026, 4, 10, 12, minute):
            tasks.renew_subscriptions()
    assert subscription.invoices.count() == 2
    renewal = subscription.invoices.order_by("-id").first()
    assert renewal.period_start == datetime(2026, 4, 10, 12, tzinfo=UTC) and renewal.net_total == 3100
    # The database itself refuses a second invoice for the same period.
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(
            organization=organization, subscription=subscription, period_start=renewal.period_start, currency="EUR"
        )


def test_renewal_is_charged_to_the_default_method(organization, user, plan, run_on_commit):
    with at(2026, 3, 10, 12):
        subscription = services.subscribe(organization=organization, plan=plan)
        payments.add_payment_method(organization=organization, provider="sandbox", details={"card_number": GOOD})
    with at(2026, 4, 10, 13), run_on_commit(execute=True):
        tasks.renew_subscriptions()
    renewal = subscription.invoices.order_by("-id").first()
    assert renewal.status == Invoice.Status.PAID and renewal.payments.get().status == "succeeded"


def test_a_crash_half_way_leaves_no_half_done_invoice_and_the_next_run_resumes(
    organization, other_organization, plan, monkeypatch
):
    with at(2026, 3, 10, 12):
        first = services.subscribe(organization=organization, plan=plan)
        second = services.subscribe(organization=other_organization, plan=plan)
    real = invoices.create_invoice

    def crash_on_the_second(**kwargs):
        if kwargs["organization"].pk == other_organization.pk:
            real(**kwargs)  # the invoice is written, then the worker dies
            raise RuntimeError("worker lost")
        return real(**kwargs)

    monkeypatch.setattr(invoices, "create_invoice", crash_on_the_second)
    with at(2026, 4, 10, 13), pytest.raises(RuntimeError):
        tasks.renew_subscriptions()
    second.refresh_from_db()
    assert first.invoices.count() == 2
    assert second.invoices.count() == 1 and second.current_period_start == datetime(2026, 3, 10, 12, tzinfo=UTC)
    monkeypatch.setattr(invoices, "create_invoice", real)
    with at(2026, 4, 10, 14):
        tasks.renew_subscriptions()
    assert first.invoices.count() == 2 and second.invoices.count() == 2


def test_calendar_billing_prorates_the_first_period_then_bills_on_the_1st(organization, plan):
    BillingSettings.objects.create(organization=organization, calendar_billing=True)
    with at(2026, 3, 16, 23):  # 17 March, 00:00 in Paris
        subscription = services.subscribe(organization=organization, plan=plan)
    first_of_april = datetime(2026, 4, 1, tzinfo=PARIS)
    assert subscription.current_period_end == first_of_april
    first = subscription.invoices.get()
    # 359 of the 744 hours to 17 April (summer time starts on 29 March): 3100 × 359/744 = 1495.8
    assert first.net_total == 1496
    with at(2026, 4, 1, 0):
        tasks.renew_subscriptions()
    subscription.refresh_from_db()
    assert subscription.current_period_end == datetime(2026, 5, 1, tzinfo=PARIS)
    assert subscription.invoices.order_by("-id").first().net_total == 3100


def test_trial_reminder_three_days_before_its_end_once(organization, user, plan, mailoutbox, run_on_commit):
    with at(2026, 3, 1, 10):
        subscription = services.subscribe(organization=organization, plan=plan, trial=True)
    for day in (11, 12, 13):
        with at(2026, 3, day, 3), run_on_commit(execute=True):
            tasks.process_trials()
    assert [m.subject for m in mailoutbox] == ["Your Pro trial ends on 15 March 2026"]
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.TRIALING


def test_trial_with_a_payment_method_converts_and_is_invoiced_and_charged(organization, user, plan, run_on_commit):
    with at(2026, 3, 1, 10):
        subscription = services.subscribe(organization=organization, plan=plan, trial=True)
        payments.add_payment_method(organization=organization, provider="sandbox", details={"card_number": GOOD})
    with at(2026, 3, 16, 3), run_on_commit(execute=True):
        tasks.process_trials()
        tasks.process_trials()
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
    invoice = subscription.invoices.get()
    assert invoice.net_total == 3100 and invoice.status == Invoice.Status.PAID


def test_trial_without_a_payment_method_is_suspended_with_an_email(organization, user, plan, mailoutbox, run_on_commit):
    with at(2026, 3, 1, 10):
        subscription = services.subscribe(organization=organization, plan=plan, trial=True)
    with at(2026, 3, 16, 3), run_on_commit(execute=True):
        tasks.process_trials()
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.SUSPENDED and not subscription.invoices.exists()
    assert mailoutbox[-1].subject == "Your Pro trial has ended"
    assert organization.members.get().notifications.filter(kind="trial_ended").count() == 1


def test_run_billing_task_renews_as_if_on_a_date(organization, plan):
    from django.core.management import call_command

    with at(2026, 3, 10, 12):
        subscription = services.subscribe(organization=organization, plan=plan)
    with at(2026, 3, 11, 12):
        call_command("run_billing_task", "renewals", "--date", "2026-04-10")
    assert subscription.invoices.count() == 2
    assert subscription.invoices.order_by("-id").first().period_start == datetime(2026, 4, 10, 12, tzinfo=UTC)


def test_calendar_billing_is_an_organization_setting_on_the_subscription_page(client_user, organization):
    from django.urls import reverse

    page = client_user.get(reverse("billing:subscription")).content.decode()
    assert 'name="calendar_billing"' in page
    response = client_user.post(reverse("billing:billing_settings"), {"calendar_billing": "on"}, follow=True)
    assert "billed on the 1st" in response.content.decode()
    assert BillingSettings.objects.get(organization=organization).calendar_billing
    client_user.post(reverse("billing:billing_settings"), {})
    assert not BillingSettings.objects.get(organization=organization).calendar_billing


def test_a_pending_charge_is_added_once_and_bad_ones_change_nothing(organization):
    from billing.models import PendingCharge
    from billing.tests.factories import line
    from core.errors import ValidationFailed

    charge, created = services.add_pending_charge(
        organization=organization, line=line(unit_amount=500), source_type="addon", source_id=1, key="2026-04"
    )
    again, created_again = services.add_pending_charge(
        organization=organization, line=line(unit_amount=900), source_type="addon", source_id=1, key="2026-04"
    )
    assert (created, created_again, again.pk, again.unit_amount) == (True, False, charge.pk, 500)
    for bad in (line(unit_amount=-5), line(quantity=0), line(description=" "), line(discount_amount=100)):
        with pytest.raises(ValidationFailed):
            services.add_pending_charge(organization=organization, line=bad, source_type="addon", source_id=2, key="k")
    with pytest.raises(ValidationFailed):
        services.add_pending_charge(organization=organization, line=line(), source_type="bogus", source_id=2, key="k")
    assert PendingCharge.objects.count() == 1


def test_a_free_renewal_with_a_pending_charge_still_invoices_the_charge(organization):
    from billing.tests.factories import line

    free = PlanFactory(code="free-r", tier="free", prices={"EUR": 0})
    with at(2026, 3, 10, 12):
        subscription = services.subscribe(organization=organization, plan=free)
        services.add_pending_charge(
            organization=organization, line=line(unit_amount=300), source_type="addon", source_id=3, key="k"
        )
    with at(2026, 4, 10, 12, 5):
        tasks.renew_subscriptions()
    (invoice,) = subscription.invoices.all()
    assert invoice.net_total == 300 and invoice.period_start == datetime(2026, 4, 10, 12, tzinfo=UTC)
