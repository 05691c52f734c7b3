"""Refunds of paid orders go through the payment provider: billing issues the credit note and
tells the order, whether staff start from the order or from the payment."""

import pytest
from django.urls import reverse
from django.utils import translation

from billing.models import CreditNote, Payment
from catalog import services
from catalog.models import Order
from catalog.tests.factories import ProductFactory
from core.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(client_user, run_on_commit):
    ProductFactory(slug="pack", credits=100, eur=1000)
    client_user.post(reverse("catalog:cart_add"), {"product": "pack", "quantity": "1"})
    page = client_user.get(reverse("catalog:checkout")).context
    form = {**page["form"].initial, **page["identity"].initial, "payment_method": "card"}
    with run_on_commit(execute=True):
        client_user.post(reverse("catalog:checkout"), form)
    order = Order.objects.get()
    with run_on_commit(execute=True):
        client_user.post(
            reverse("billing:invoice_pay", args=[order.invoice_id]), {"provider": "sandbox", "card_number": "4242424242424242"}
        )
    order.refresh_from_db()
    assert order.status == Order.Status.FULFILLED and order.total == 1200
    return order


def test_a_partial_refund_then_the_rest_then_nothing_more(paid_order, run_on_commit):
    with run_on_commit(execute=True):
        order = services.refund_order_payment(order=paid_order, amount=200)
    assert (order.status, order.refunded_amount) == (Order.Status.REFUNDED, 200)
    assert Payment.objects.get(invoice_id=order.invoice_id).status == "partially_refunded"

    with run_on_commit(execute=True):
        order = services.refund_order_payment(order=order)
    assert order.refunded_amount == 1200
    assert Payment.objects.get(invoice_id=order.invoice_id).status == "refunded"
    assert sorted(CreditNote.objects.filter(invoice_id=order.invoice_id).values_list("total", flat=True)) == [200, 1000]

    with pytest.raises(DomainError):
        services.refund_order_payment(order=order, amount=1)
    order.refresh_from_db()
    assert order.refunded_amount == 1200 and CreditNote.objects.count() == 2


def test_a_refund_started_from_the_payment_updates_the_order(paid_order, run_on_commit):
    from billing.payments import refund_payment

    with run_on_commit(execute=True):
        refund_payment(payment=Payment.objects.get(invoice_id=paid_order.invoice_id), amount=500)
    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.refunded_amount) == (Order.Status.REFUNDED, 500)


def test_an_unpaid_order_has_nothing_to_refund(client_user, run_on_commit):
    ProductFactory(slug="pack", credits=100, eur=1000)
    client_user.post(reverse("catalog:cart_add"), {"product": "pack", "quantity": "1"})
    page = client_user.get(reverse("catalog:checkout")).context
    form = {**page["form"].initial, **page["identity"].initial, "payment_method": "card"}
    with run_on_commit(execute=True):
        client_user.post(reverse("catalog:checkout"), form)
    with translation.override("en"), pytest.raises(DomainError, match="nothing was paid"):
        services.refund_order_payment(order=Order.objects.get())


def test_staff_refund_from_the_order_admin_is_audited(paid_order, admin_client, run_on_commit):
    from core.models import AuditEntry

    with run_on_commit(execute=True):
        admin_client.post(
            reverse("admin:catalog_order_changelist"), {"action": "refund", "_selected_action": [paid_order.pk]}
        )
    paid_order.refresh_from_db()
    assert paid_order.refunded_amount == 1200
    entry = AuditEntry.objects.get(action="order_refunded")
    assert entry.actor_email == "admin@example.test"
    assert (entry.before, entry.after) == (
        {"status": "fulfilled", "refunded_amount": 0},
        {"status": "refunded", "refunded_amount": 1200},
    )
