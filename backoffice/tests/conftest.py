"""The revenue fixture (its hand-computed answers are in test_revenue.py's docstring)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine

from accounts.tests.factories import OrganizationFactory
from billing import services
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
