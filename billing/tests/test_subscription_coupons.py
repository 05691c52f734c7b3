"""Coupons on subscriptions: the plan line discounted on as many invoices as the coupon covers."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Invoice, Subscription
from billing.tests.factories import PlanFactory
from coupons.models import CouponUsage
from coupons.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db


def _plan_invoices(subscription):
    return list(Invoice.objects.filter(subscription=subscription).order_by("created_at", "id"))


def _renew_months(subscription, months):
    for _ in range(months):
        subscription.refresh_from_db()
        with time_machine.travel(subscription.current_period_end + timedelta(minutes=1), tick=False):
            services.renew_subscription(subscription=subscription)


def test_repeating_coupon_discounts_exactly_n_monthly_invoices_then_stops(organization, user):
    plan = PlanFactory(code="pro-c", prices={"EUR": 2000})
    CouponFactory(code="THREEMONTHS", percent_off="25.00", duration="repeating", duration_months=3)
    subscription = services.subscribe(organization=organization, plan=plan, user=user, coupon_code="threemonths")
    _renew_months(subscription, 4)

    discounts = [inv.discount_total for inv in _plan_invoices(subscription)]
    assert discounts == [500, 500, 500, 0, 0]
    assert [inv.net_total for inv in _plan_invoices(subscription)] == [1500, 1500, 1500, 2000, 2000]
    assert [inv.coupon_code for inv in _plan_invoices(subscription)] == ["THREEMONTHS"] * 3 + ["", ""]
    subscription.refresh_from_db()
    assert subscription.coupon_cycles_remaining == 0


def test_forever_coupon_keeps_discounting(organization, user):
    plan = PlanFactory(code="pro-f", prices={"EUR": 2000})
    CouponFactory(code="ALWAYS", percent_off="10.00", duration="forever")
    subscription = services.subscribe(organization=organization, plan=plan, user=user, coupon_code="ALWAYS")
    _renew_months(subscription, 2)
    assert [inv.discount_total for inv in _plan_invoices(subscription)] == [200, 200, 200]


def test_refused_code_changes_nothing(organization, user):
    plan = PlanFactory(code="pro-r", prices={"EUR": 2000})
    CouponFactory(code="OLD", valid_to=timezone.now() - timedelta(hours=1))
    with pytest.raises(Exception) as refused:
        services.subscribe(organization=organization, plan=plan, user=user, coupon_code="OLD")
    assert refused.value.code == "expired"
    assert not Subscription.objects.filter(organization=organization).exists()
    assert not Invoice.objects.filter(organization=organization).exists()
    assert not CouponUsage.objects.exists()


def test_first_payment_confirms_and_cancel_before_paying_releases(organization, user):
    plan = PlanFactory(code="pro-p", prices={"EUR": 2000})
    coupon = CouponFactory(code="ONCE", duration="once")
    subscription = services.subscribe(organization=organization, plan=plan, user=user, coupon_code="ONCE")
    first = _plan_invoices(subscription)[0]
    services.mark_invoice_paid(invoice=first, amount=first.amount_due, reference="test:1")
    assert CouponUsage.objects.get(coupon=coupon).status == CouponUsage.Status.CONFIRMED

    other = PlanFactory(code="pro-q", prices={"XOF": 12000})
    from accounts.tests.factories import OrganizationFactory

    org2 = OrganizationFactory(currency="XOF")
    second = services.subscribe(organization=org2, plan=other, coupon_code="ONCE")
    services.cancel_subscription(subscription=second, at_period_end=False)
    usage = CouponUsage.objects.get(target_id=str(second.pk))
    assert usage.status == CouponUsage.Status.RELEASED


def test_promo_code_on_page_and_api(client_user, auth_api, organization):
    PlanFactory(code="pro-w", prices={"EUR": 2000}, trial_days=0)
    response = client_user.post(reverse("billing:subscribe"), {"plan": "pro-w", "coupon_code": "NOPE"}, follow=True)
    assert "The code NOPE does not exist" in response.content.decode()
    assert not Subscription.objects.filter(organization=organization).exists()

    refused = auth_api.post("/api/v1/billing/subscriptions/", {"plan": "pro-w", "coupon_code": "NOPE"}, format="json")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "unknown"

    CouponFactory(code="HALF", percent_off="50.00")
    created = auth_api.post("/api/v1/billing/subscriptions/", {"plan": "pro-w", "coupon_code": "half"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["coupon_code"] == "HALF"
    assert Invoice.objects.get(organization=organization).net_total == 1000


def test_the_coupon_discounts_the_plan_not_the_charges_added_to_the_renewal(organization, user):
    from billing.tests.factories import line

    plan = PlanFactory(code="pro-a", prices={"EUR": 2000})
    CouponFactory(code="HALF", percent_off="50.00", duration="forever")
    subscription = services.subscribe(organization=organization, plan=plan, user=user, coupon_code="HALF")
    services.add_pending_charge(
        organization=organization, line=line("Storage +10 GB", unit_amount=100), source_type="addon", source_id=7, key="p1"
    )
    _renew_months(subscription, 1)
    renewal = _plan_invoices(subscription)[-1]
    assert [(ln.product_ref, ln.discount_amount) for ln in renewal.lines.all()] == [("plan:pro-a", 1000), ("", 0)]
    assert renewal.net_total == 1000 + 100


def test_a_three_month_coupon_covers_three_monthly_invoices_or_one_yearly(organization, other_organization, user):
    CouponFactory(code="QUARTER", percent_off="50.00", duration="repeating", duration_months=3)
    monthly = PlanFactory(code="pro-m", prices={"EUR": 2000, "XOF": 12000})
    yearly = PlanFactory(code="pro-y", interval="year", prices={"EUR": 20000, "XOF": 120000})
    by_month = services.subscribe(organization=organization, plan=monthly, user=user, coupon_code="QUARTER")
    _renew_months(by_month, 4)
    assert [inv.discount_total for inv in _plan_invoices(by_month)] == [1000, 1000, 1000, 0, 0]
    by_year = services.subscribe(organization=other_organization, plan=yearly, coupon_code="QUARTER")
    _renew_months(by_year, 2)  # two yearly renewals
    assert [inv.discount_total for inv in _plan_invoices(by_year)] == [60000, 0, 0]
