"""The last units of a limited offer, bought at the same time from several connections."""


import pytest

from accounts.tests.factories import MembershipFactory
from catalog import services
from catalog.models import Cart, CartItem, Order
from catalog.tests.factories import ProductFactory
from conftest import requires_postgres
from core.errors import DomainError
from core.tests.concurrency import failures, run_together
from coupons.models import Coupon
from coupons.tests.factories import CouponFactory

BUYERS = 6


def buyers(product, each, coupon_code=""):
    carts = []
    for i in range(BUYERS):
        member = MembershipFactory(user__email=f"buyer{i}@example.test")
        cart = Cart.objects.create(organization=member.organization, user=member.user, coupon_code=coupon_code)
        CartItem.objects.create(cart=cart, product=product, quantity=each)
        carts.append(cart)
    return carts


def checkout_together(carts):
    """Every cart checks out at the same moment, each from its own connection; the outcomes."""

    def buy(cart):
        services.checkout(
            cart=cart, organization=cart.organization, user=cart.user, payment_method="card",
            billing={},
        )  # fmt: skip
        return "ok"

    outcomes = run_together([lambda cart=cart: buy(cart) for cart in carts])
    assert not [o for o in failures(outcomes) if not isinstance(o, DomainError)]
    return [outcome.code if isinstance(outcome, DomainError) else outcome for outcome in outcomes]


@requires_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stock, each, expected_orders", [(3, 1, 3), (5, 2, 2)])
def test_concurrent_checkouts_sell_exactly_the_stock(stock, each, expected_orders):
    flash = ProductFactory(stock=stock)
    outcomes = checkout_together(buyers(flash, each))
    flash.refresh_from_db()
    assert sorted(outcomes) == sorted(["ok"] * expected_orders + ["sold_out"] * (BUYERS - expected_orders))
    assert Order.objects.count() == expected_orders
    assert flash.stock == stock - expected_orders * each


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_never_use_a_code_more_than_allowed():
    CouponFactory(code="ONLYTWO", max_uses=2)
    outcomes = checkout_together(buyers(ProductFactory(), 1, coupon_code="ONLYTWO"))
    assert sorted(outcomes) == sorted(["ok"] * 2 + ["used_up"] * (BUYERS - 2))
    assert Order.objects.filter(coupon_code="ONLYTWO").count() == 2
    assert Coupon.objects.get(code="ONLYTWO").uses == 2
