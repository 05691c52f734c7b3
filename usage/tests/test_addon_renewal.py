"""Renewing add-ons are added to the subscription's next invoice (real billing plans, no fakes)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from billing import services as billing
from billing import tasks as billing_tasks
from billing.models import Invoice, PendingCharge
from billing.tests.factories import PlanFactory
from usage import selectors, services
from usage import tasks as usage_tasks
from usage.models import AddonPurchase, Metric

pytestmark = pytest.mark.django_db

GB = 1024**3


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=UTC), tick=False)


def pay(invoice):
    return billing.mark_invoice_paid(invoice=invoice, amount=invoice.amount_due, reference=f"test-{invoice.pk}")


@pytest.fixture
def real_plans(plans, monkeypatch):
    """Billing's own plans decide the limits here, not the usage suite's fake table."""
    monkeypatch.undo()


def subscribed(organization, *, interval="month", code="pro-monthly"):
    plan = PlanFactory(code=code, tier="pro", interval=interval, prices={"EUR": 3100}, storage_bytes=10 * GB)
    return billing.subscribe(organization=organization, plan=plan)


def renewed_once(organization, addon="storage"):
    """A monthly Pro subscription from 10 March 12:00 with a paid add-on bought then; the add-on
    renews on 9 April and the subscription on 10 April. Returns (subscription, purchase)."""
    with at(2026, 3, 10, 12):
        subscription = subscribed(organization)
        purchase, invoice = services.purchase_addon(organization=organization, code=addon, quantity=1)
        pay(invoice)
    with at(2026, 4, 9, 13):
        assert services.end_addon_periods() == {"renewed": 1, "expired": 0}
    return subscription, purchase


APRIL_RENEWAL = datetime(2026, 4, 10, 12, tzinfo=UTC)


def addon_lines(invoice):
    return [line for line in invoice.lines.all() if line.product_ref.startswith("addon:")]


def test_a_renewing_addon_is_on_each_monthly_invoice_exactly_once(organization, real_plans):
    with at(2026, 3, 10, 12):
        subscription = subscribed(organization)
        purchase, first = services.purchase_addon(organization=organization, code="storage", quantity=2)
        pay(first)
    day = datetime(2026, 3, 11, 6, tzinfo=UTC)
    while day < datetime(2026, 6, 12, tzinfo=UTC):
        for hour in (5, 5, 12, 13):  # both daily runs and two hourly ones, each run twice
            with at(day.year, day.month, day.day, hour):
                usage_tasks.end_addon_periods()
                billing_tasks.renew_subscriptions()
        day += timedelta(days=1)

    # Only the purchase had an invoice of its own; every later period went on a subscription invoice.
    assert list(Invoice.objects.filter(source_type="addon").values_list("pk", flat=True)) == [first.pk]
    renewals = list(subscription.invoices.order_by("period_start"))[1:]
    assert [invoice.period_start.date().isoformat() for invoice in renewals] == ["2026-04-10", "2026-05-10", "2026-06-10"]
    for invoice in renewals:
        (line,) = addon_lines(invoice)
        assert (line.quantity, line.unit_amount, line.discount_amount) == (2, 100, 0)
        assert invoice.net_total == 3100 + 200
    charges = PendingCharge.objects.order_by("pk")
    assert [charge.invoice_id for charge in charges] == [invoice.pk for invoice in renewals]
    purchase.refresh_from_db()
    assert purchase.status == AddonPurchase.Status.ACTIVE
    assert selectors.limit_for(organization=organization, metric=Metric.STORAGE_BYTES) == 30 * GB


def test_the_charge_waits_on_the_billing_page_until_the_renewal(organization, real_plans, client_user):
    renewed_once(organization)
    with at(2026, 4, 9, 14):
        assert services.end_addon_periods() == {"renewed": 0, "expired": 0}
        page = client_user.get("/billing/")
    (charge,) = PendingCharge.objects.all()
    assert charge.invoice is None and charge.description == "Storage +10 GB, 9 Apr 2026 – 9 May 2026"
    assert "On your next invoice" in page.content.decode() and charge.description in page.content.decode()


def test_a_yearly_subscription_leaves_the_addon_on_an_invoice_of_its_own(organization, real_plans):
    with at(2026, 3, 10, 12):
        subscribed(organization, interval="year", code="pro-yearly")
        purchase, invoice = services.purchase_addon(organization=organization, code="storage", quantity=1)
        pay(invoice)
    with at(2026, 4, 9, 13):
        services.end_addon_periods()
    renewal = Invoice.objects.filter(source_type="addon").exclude(pk=invoice.pk).get()
    assert renewal.source_id == str(purchase.pk) and renewal.net_total == 100
    assert not PendingCharge.objects.exists()


def test_an_ending_subscription_bills_its_pending_charges_on_a_final_invoice(organization, real_plans):
    subscription, _ = renewed_once(organization)
    billing.cancel_subscription(subscription=subscription, at_period_end=True)
    with at(2026, 4, 10, 12, 30):
        billing_tasks.renew_subscriptions()
        billing_tasks.renew_subscriptions()
    subscription.refresh_from_db()
    assert subscription.status == "canceled"
    final = subscription.invoices.get(period_start=APRIL_RENEWAL)
    assert [line.product_ref for line in final.lines.all()] == ["addon:storage"] and final.net_total == 100
    assert PendingCharge.objects.get().invoice == final


def test_canceling_now_bills_the_pending_charges_at_once(organization, real_plans):
    subscription, _ = renewed_once(organization)
    with at(2026, 4, 9, 14):
        billing.cancel_subscription(subscription=subscription, at_period_end=False)
    (final,) = subscription.invoices.filter(period_start=datetime(2026, 4, 9, 14, tzinfo=UTC))
    assert final.net_total == 100 and PendingCharge.objects.get().invoice == final


def test_a_credits_addon_delivers_when_the_subscription_invoice_is_paid(organization, real_plans):
    from generation.selectors import credit_balance

    subscription, _ = renewed_once(organization, addon="credits")
    after_purchase = credit_balance(organization=organization)
    with at(2026, 4, 10, 13):
        billing_tasks.renew_subscriptions()
    renewal = subscription.invoices.get(period_start=APRIL_RENEWAL)
    assert credit_balance(organization=organization) == after_purchase  # not before payment
    pay(renewal)
    assert credit_balance(organization=organization) == after_purchase + 1000


def test_voiding_the_subscription_invoice_ends_the_addon_it_renewed(organization, real_plans):
    subscription, purchase = renewed_once(organization)
    with at(2026, 4, 10, 13):
        billing_tasks.renew_subscriptions()
        assert selectors.limit_for(organization=organization, metric=Metric.STORAGE_BYTES) == 20 * GB
        renewal = subscription.invoices.get(period_start=APRIL_RENEWAL)
        billing.void_invoice(invoice=renewal, reason="disputed")
        assert selectors.limit_for(organization=organization, metric=Metric.STORAGE_BYTES) == 10 * GB
    purchase.refresh_from_db()
    assert purchase.status == AddonPurchase.Status.EXPIRED


def test_staff_see_the_pending_charges_in_the_admin_and_cannot_add_any(organization, real_plans, admin_client):
    renewed_once(organization)
    charge = PendingCharge.objects.get()
    changelist = admin_client.get("/admin/billing/pendingcharge/?invoice__isempty=1")
    assert changelist.status_code == 200 and charge.description in changelist.content.decode()
    assert admin_client.get(f"/admin/billing/pendingcharge/{charge.pk}/change/").status_code == 200
    assert admin_client.get("/admin/billing/pendingcharge/add/").status_code == 403
