"""Coupons on plan changes (issue 22 item 3): a coupon limited to plans discounts an upgrade or
proration invoice only on the plans it is for, and an upgrade never spends one of its cycles."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from billing import services
from billing.models import Invoice, Subscription
from billing.tests.factories import PlanFactory
from coupons.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans():
    return {
        "pro": PlanFactory(code="pro", name="Pro", prices={"EUR": 1900}),
        "business": PlanFactory(code="business", name="Business", tier="business", prices={"EUR": 4900}),
    }


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=UTC), tick=False)


def pay(invoice):
    return services.mark_invoice_paid(invoice=invoice, amount=invoice.amount_due, reference=f"test:{invoice.pk}")


def subscribe_with(organization, user, plan, scope):
    with at(2026, 11, 1):
        CouponFactory(code="PROHALF", percent_off="50.00", duration="repeating", duration_months=3, plans=[p.code for p in scope])
        sub = services.subscribe(organization=organization, plan=plan, user=user, coupon_code="PROHALF")
        pay(sub.invoices.get())
    sub.refresh_from_db()
    assert (sub.invoices.get().discount_total, sub.coupon_cycles_remaining) == (950, 2)
    return sub


def renew(sub):
    """The renewal at the end of the period; returns the invoice it issued."""
    sub.refresh_from_db()
    with time_machine.travel(sub.current_period_end + timedelta(minutes=1), tick=False):
        services.renew_subscription(subscription=sub)
    return Invoice.objects.filter(subscription=sub).order_by("created_at", "pk").last()


def lines_of(invoice):
    return [(ln.unit_amount, ln.discount_amount) for ln in invoice.lines.order_by("pk")]


def test_an_upgrade_to_a_plan_outside_the_scope_is_not_discounted_and_spends_no_cycle(organization, user, plans):
    sub = subscribe_with(organization, user, plans["pro"], [plans["pro"]])
    with at(2026, 11, 16):  # half the month left: half of the 9.50 € paid is credited
        preview = services.preview_plan_change(subscription=sub, plan=plans["business"])
        assert [(ln["unit_amount"], ln["discount_amount"]) for ln in preview.priced_lines] == [(-475, 0), (2450, 0)]
        sub, upgrade = services.change_plan(subscription=sub, plan=plans["business"], user=user)
    assert lines_of(upgrade) == [(-475, 0), (2450, 0)]
    assert (upgrade.discount_total, upgrade.coupon_code, upgrade.total) == (0, "", preview.amounts["total"])
    pay(upgrade)
    sub.refresh_from_db()
    assert (sub.plan.code, sub.coupon_cycles_remaining) == ("business", 2)
    # Business renewals are outside the coupon too: full price, and the cycles wait.
    renewal = renew(sub)
    assert (lines_of(renewal), renewal.coupon_code) == ([(4900, 0)], "")
    assert Subscription.objects.get(pk=sub.pk).coupon_cycles_remaining == 2


def test_an_upgrade_within_the_scope_is_discounted_without_spending_a_cycle(organization, user, plans):
    sub = subscribe_with(organization, user, plans["pro"], [plans["pro"], plans["business"]])
    with at(2026, 11, 16):
        sub, upgrade = services.change_plan(subscription=sub, plan=plans["business"], user=user)
    assert lines_of(upgrade) == [(-475, 0), (2450, 1225)]
    assert (upgrade.discount_total, upgrade.coupon_code) == (1225, "PROHALF")
    pay(upgrade)
    assert Subscription.objects.get(pk=sub.pk).coupon_cycles_remaining == 2  # the upgrade spent none
    renewals = [renew(sub) for _ in range(3)]
    assert [r.discount_total for r in renewals] == [2450, 2450, 0]  # the two cycles left, then full price
    assert Subscription.objects.get(pk=sub.pk).coupon_cycles_remaining == 0


def test_a_trial_ended_by_an_upgrade_outside_the_scope_pays_full_price(organization, user, plans):
    with at(2026, 11, 1):
        CouponFactory(code="PROHALF", percent_off="50.00", duration="repeating", duration_months=3, plans=[plans["pro"].code])
        sub = services.subscribe(organization=organization, plan=plans["pro"], user=user, trial=True, coupon_code="PROHALF")
    with at(2026, 11, 5):
        sub, invoice = services.change_plan(subscription=sub, plan=plans["business"], user=user)
    assert (lines_of(invoice), invoice.coupon_code) == ([(4900, 0)], "")
    assert Subscription.objects.get(pk=sub.pk).coupon_cycles_remaining == 3
    assert not Invoice.objects.filter(subscription=sub, discount_total__gt=0).exists()


def test_a_repeating_coupon_lasts_its_months_across_an_upgrade_to_a_yearly_plan(organization, user, plans):
    """3 months at 50 %: the first month, then the yearly period the upgrade starts (discounted,
    no cycle spent on the upgrade itself); the yearly renewal a year later is at full price."""
    yearly = PlanFactory(code="pro-year", name="Pro", interval="year", prices={"EUR": 24000})
    sub = subscribe_with(organization, user, plans["pro"], [])
    with at(2026, 11, 16):
        sub, upgrade = services.change_plan(subscription=sub, plan=yearly, user=user)
    assert upgrade.discount_total == 12000 and upgrade.coupon_code == "PROHALF"
    pay(upgrade)
    sub.refresh_from_db()
    assert (sub.plan.code, sub.coupon_cycles_remaining) == ("pro-year", 0)
    assert renew(sub).discount_total == 0


def subscribe_yearly_with(organization, user, months, *, trial=False):
    """A 50 % coupon repeating for `months` months on a 240 € yearly plan."""
    yearly = PlanFactory(code="pro-year", name="Pro", interval="year", prices={"EUR": 24000})
    with at(2026, 11, 1):
        CouponFactory(code="HALFOFF", percent_off="50.00", duration="repeating", duration_months=months)
        sub = services.subscribe(organization=organization, plan=yearly, user=user, coupon_code="HALFOFF", trial=trial)
        if not trial:
            pay(sub.invoices.get())
    sub.refresh_from_db()
    return sub


def test_a_yearly_plan_moved_to_a_monthly_one_at_renewal_keeps_the_coupons_months(organization, user):
    """24 months at 50 %: the first year, then twelve discounted months of the monthly plan the
    downgrade moves to at the renewal (its cycle left counts a year, not one month); the 13th full price."""
    monthly = PlanFactory(code="starter", name="Starter", prices={"EUR": 900})
    sub = subscribe_yearly_with(organization, user, 24)
    assert (sub.invoices.get().discount_total, sub.coupon_cycles_remaining) == (12000, 1)
    with at(2027, 3, 1):
        sub, invoice = services.change_plan(subscription=sub, plan=monthly, user=user)
    assert invoice is None and sub.scheduled_plan == monthly
    renewals = [renew(sub) for _ in range(13)]
    assert {r.lines.get().product_ref for r in renewals} == {"plan:starter"}
    assert [r.discount_total for r in renewals] == [450] * 12 + [0]
    assert Subscription.objects.get(pk=sub.pk).coupon_cycles_remaining == 0


def test_a_yearly_plan_upgraded_to_a_monthly_one_mid_year_keeps_the_months_not_used(organization, user):
    """24 months at 50 %, a month of the first year used, then an upgrade to a monthly plan: the
    eleven unused months of the discounted year are credited at what was paid and stay on the
    coupon, so 22 discounted renewals follow the discounted upgrade month (1 + 1 + 22 = 24)."""
    business = PlanFactory(code="business", name="Business", tier="business", prices={"EUR": 4900})
    sub = subscribe_yearly_with(organization, user, 24)
    with at(2026, 12, 1):
        sub, upgrade = services.change_plan(subscription=sub, plan=business, user=user)
    # The year's unused time, credited to the balance, pays the discounted month at once.
    assert (upgrade.coupon_code, upgrade.discount_total, upgrade.status) == ("HALFOFF", 2450, Invoice.Status.PAID)
    sub.refresh_from_db()
    assert (sub.plan.code, sub.coupon_cycles_remaining) == ("business", 22)


def test_a_trial_switched_to_a_monthly_plan_gets_the_coupons_months_in_months(organization, user):
    """3 months at 50 % taken with a yearly plan's trial (one discounted year), the trial then moved
    to a cheaper monthly plan: three discounted months, not one and not twelve."""
    monthly = PlanFactory(code="starter", name="Starter", prices={"EUR": 900})
    sub = subscribe_yearly_with(organization, user, 3, trial=True)
    assert sub.coupon_cycles_remaining == 1
    with at(2026, 11, 5):
        sub, invoice = services.change_plan(subscription=sub, plan=monthly, user=user)
    assert invoice is None and Subscription.objects.get(pk=sub.pk).coupon_cycles_remaining == 3
    renewals = [renew(sub) for _ in range(4)]
    assert [r.discount_total for r in renewals] == [450, 450, 450, 0]


def test_a_trial_ended_by_an_upgrade_to_a_yearly_plan_spends_its_months_on_the_year(organization, user, plans):
    """3 months at 50 % taken with a monthly trial, ended by a yearly plan: one discounted year
    (not three)."""
    yearly = PlanFactory(code="pro-year", name="Pro", interval="year", prices={"EUR": 24000})
    with at(2026, 11, 1):
        CouponFactory(code="HALFOFF", percent_off="50.00", duration="repeating", duration_months=3)
        sub = services.subscribe(organization=organization, plan=plans["pro"], user=user, trial=True, coupon_code="HALFOFF")
    with at(2026, 11, 5):
        sub, invoice = services.change_plan(subscription=sub, plan=yearly, user=user)
    assert invoice.discount_total == 12000
    pay(invoice)
    assert Subscription.objects.get(pk=sub.pk).coupon_cycles_remaining == 0
    assert renew(sub).discount_total == 0
