"""MRR, ARR, movement and churn on a fixture whose answers were computed by hand.

Plans (tax excluded): basic monthly 20.00 EUR / 10 000 XOF, pro monthly 50.00 EUR / 30 000 XOF,
annual yearly 240.00 EUR. A 20% coupon for ever.

  Jan 10  A (EUR) basic                         MRR A = 2000            new EUR +2000
  Jan 15  B (EUR) annual with 20% for ever     240.00 × 0.8 / 12 = 16.00 → new EUR +1600
  Jan 05  C (XOF) basic                         new XOF +10000
  Feb 01  D (XOF) basic on trial                 not counted
  Feb 10  A upgrades to pro                      expansion EUR +3000 (A = 5000)
  Mar 03  C cancels now                          churned XOF −10000
  Apr 07  C subscribes again, pro                reactivation XOF +30000

End of April: MRR EUR 5000 + 1600 = 6600 (ARR 79 200), XOF 30 000 (ARR 360 000);
ARPU EUR 3300, XOF 30 000. Over February–April: EUR keeps its 2 customers (0% churn), XOF loses
its only customer of February's start (100% customer churn, 10 000 / 10 000 = 100% revenue churn).
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from accounts.tests.factories import OrganizationFactory
from backoffice import metrics
from billing import analytics, services
from billing.tests.factories import PlanFactory
from coupons.tests.factories import CouponFactory


def at(month, day):
    return time_machine.travel(datetime(2026, month, day, 12, tzinfo=UTC), tick=False)


@pytest.fixture
def history(db):
    basic = PlanFactory(code="basic", prices={"EUR": 2000, "XOF": 10000}, trial_days=14)
    pro = PlanFactory(code="pro", prices={"EUR": 5000, "XOF": 30000})
    annual = PlanFactory(code="annual", interval="year", prices={"EUR": 24000})
    a, b = OrganizationFactory(currency="EUR"), OrganizationFactory(currency="EUR")
    c, d = OrganizationFactory(currency="XOF"), OrganizationFactory(currency="XOF")
    with at(1, 5):
        CouponFactory(code="LOYAL20", percent_off=Decimal("20.00"), duration="forever")
        first_c = services.subscribe(organization=c, plan=basic)
    with at(1, 10):
        sub_a = services.subscribe(organization=a, plan=basic)
    with at(1, 15):
        services.subscribe(organization=b, plan=annual, coupon_code="LOYAL20")
    with at(2, 1):
        services.subscribe(organization=d, plan=basic, trial=True)
    with at(2, 10):
        services.change_plan(subscription=sub_a, plan=pro)
    with at(3, 3):
        services.cancel_subscription(subscription=first_c, at_period_end=False)
    with at(4, 7):
        services.subscribe(organization=c, plan=pro)
    return {"a": a, "b": b, "c": c, "d": d}


def test_mrr_and_arr_per_currency(history):
    mrr = analytics.mrr_by_currency()
    assert mrr == {"EUR": 6600, "XOF": 30000}
    assert analytics.arr_by_currency(mrr) == {"EUR": 79200, "XOF": 360000}
    assert analytics.arpu(mrr=mrr, customers=analytics.paying_customers()) == {"EUR": 3300, "XOF": 30000}
    assert analytics.status_counts() == {"trialing": 1, "active": 3, "past_due": 0, "suspended": 0}


def test_movement_by_month(history):
    movement = analytics.mrr_movement(history=metrics.history(until=date(2026, 4, 30)), start=date(2026, 1, 1), end=date(2026, 4, 30))
    eur = {m.month.month: (m.new, m.expansion, m.contraction, m.churned, m.reactivation, m.mrr_end) for m in movement["EUR"]}
    xof = {m.month.month: (m.new, m.expansion, m.contraction, m.churned, m.reactivation, m.mrr_end) for m in movement["XOF"]}
    assert eur == {1: (3600, 0, 0, 0, 0, 3600), 2: (0, 3000, 0, 0, 0, 6600), 3: (0, 0, 0, 0, 0, 6600), 4: (0, 0, 0, 0, 0, 6600)}
    assert xof == {1: (10000, 0, 0, 0, 0, 10000), 2: (0, 0, 0, 0, 0, 10000), 3: (0, 0, 0, -10000, 0, 0), 4: (0, 0, 0, 0, 30000, 30000)}


def test_churn_rates(history):
    movement = analytics.mrr_movement(history=metrics.history(until=date(2026, 4, 30)), start=date(2026, 2, 1), end=date(2026, 4, 30))
    assert analytics.churn_rates(movement) == {
        "EUR": {"customer": Decimal("0.00"), "revenue": Decimal("0.00")},
        "XOF": {"customer": Decimal("100.00"), "revenue": Decimal("100.00")},
    }


def test_contraction_from_history():
    # A downgrade takes effect at renewal; the movement only needs the month-end values.
    rows = [(1, date(2026, 1, 1), "EUR", 5000), (1, date(2026, 2, 1), "EUR", 2000)]
    (jan, feb) = analytics.mrr_movement(history=rows, start=date(2026, 1, 1), end=date(2026, 2, 28))["EUR"]
    assert (jan.new, feb.contraction, feb.net, feb.mrr_end) == (5000, -3000, -3000, 2000)
