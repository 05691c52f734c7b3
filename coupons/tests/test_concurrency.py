"""Real concurrent connections on PostgreSQL: 50 checkouts race for the last uses of a code."""


import pytest

from conftest import requires_postgres
from core.errors import Unprocessable
from core.tests.concurrency import failures, run_together
from coupons import services
from coupons.models import Coupon, CouponUsage
from coupons.tests.factories import CouponFactory

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CHECKOUTS = 50


def race(code, organization, user):
    """50 threads, each on its own connection, reserve `code` for their own order at once."""

    def checkout(order_id):
        services.reserve(
            code=code, organization=organization, user=user, amount=10000, currency="EUR",
            target_type="order", target_id=order_id,
        )  # fmt: skip

    outcomes = run_together([lambda n=n: checkout(str(n)) for n in range(CHECKOUTS)])
    refusals = [outcome.code for outcome in outcomes if isinstance(outcome, Unprocessable)]
    assert [outcome for outcome in failures(outcomes) if not isinstance(outcome, Unprocessable)] == []
    return refusals


def test_fifty_checkouts_on_a_code_with_ten_uses_left(organization, user):
    coupon = CouponFactory(code="LASTTEN", max_uses=15, uses=5)

    refusals = race("LASTTEN", organization, user)

    assert CouponUsage.objects.filter(coupon=coupon, status="reserved").count() == 10
    assert Coupon.objects.get(pk=coupon.pk).uses == 15
    assert refusals == ["used_up"] * 40


def test_fifty_checkouts_of_one_organization_on_a_per_organization_limit(organization, user):
    coupon = CouponFactory(code="THREEEACH", max_uses_per_organization=3)

    refusals = race("THREEEACH", organization, user)

    assert CouponUsage.objects.filter(coupon=coupon, organization=organization).count() == 3
    assert Coupon.objects.get(pk=coupon.pk).uses == 3
    assert refusals == ["used_up_for_organization"] * 47
