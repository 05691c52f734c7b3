"""The last units of a limited offer, bought at the same time from several connections."""

import threading

import pytest
from django.db import connection

from accounts.tests.factories import MembershipFactory
from catalog import services
from catalog.models import Cart, CartItem, Order
from catalog.tests.factories import ProductFactory
from conftest import requires_postgres
from core.errors import Conflict

BUYERS = 6


@requires_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stock, each, expected_orders", [(3, 1, 3), (5, 2, 2)])
def test_concurrent_checkouts_sell_exactly_the_stock(stock, each, expected_orders):
    flash = ProductFactory(stock=stock)
    carts = []
    for i in range(BUYERS):
        member = MembershipFactory(user__email=f"buyer{i}@example.test")
        cart = Cart.objects.create(organization=member.organization, user=member.user)
        CartItem.objects.create(cart=cart, product=flash, quantity=each)
        carts.append(cart)
    start = threading.Barrier(BUYERS)
    outcomes = []

    def buy(cart):
        try:
            start.wait()
            services.checkout(
                cart=cart, organization=cart.organization, user=cart.user, payment_method="card",
                billing={"billing_name": "Buyer", "billing_email": cart.user.email},
            )  # fmt: skip
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(cart,)) for cart in carts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    flash.refresh_from_db()
    assert sorted(outcomes) == sorted(["ok"] * expected_orders + ["sold_out"] * (BUYERS - expected_orders))
    assert Order.objects.count() == expected_orders
    assert flash.stock == stock - expected_orders * each
