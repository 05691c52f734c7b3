"""Refunds of paid orders go through the payment provider: billing issues the credit note and
tells the order, whether staff start from the order or from the payment."""

import pytest
from django.urls import reverse
from django.utils import translation

from billing.models import CreditNote, Payment, Refund
from catalog import services
from catalog.models import Order
from catalog.tests.factories import DigitalProductFactory, ProductFactory
from core.errors import DomainError, ValidationFailed
from generation import selectors as generation_selectors
from generation import services as generation_services
from generation.models import CreditEntry

pytestmark = pytest.mark.django_db


def paid_order_of(client_user, run_on_commit, lines):
    """An order the customer checked out and paid by card, of `lines` [(product factory, slug,
    price in cents, extra fields)]."""
    for factory, slug, eur, fields in lines:
        factory(slug=slug, eur=eur, **fields)
        client_user.post(reverse("catalog:cart_add"), {"product": slug, "quantity": "1"})
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
    return order


PACK = (ProductFactory, "pack", 1000, {"credits": 100})
GUIDE = (DigitalProductFactory, "guide", 1000, {})


@pytest.fixture
def paid_order(client_user, run_on_commit):
    order = paid_order_of(client_user, run_on_commit, [PACK])
    assert order.status == Order.Status.FULFILLED and order.total == 1200
    return order


def test_a_partial_refund_then_the_rest_then_nothing_more(paid_order, run_on_commit):
    with run_on_commit(execute=True):
        order = services.refund_order_payment(order=paid_order, amount=200)
    assert (order.status, order.refunded_amount) == (Order.Status.FULFILLED, 200)
    assert Payment.objects.get(invoice_id=order.invoice_id).status == "partially_refunded"

    with run_on_commit(execute=True):
        order = services.refund_order_payment(order=order)
    assert (order.status, order.refunded_amount) == (Order.Status.REFUNDED, 1200)
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
    assert (paid_order.status, paid_order.refunded_amount) == (Order.Status.FULFILLED, 500)


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
        admin_client.post(reverse("admin:catalog_order_changelist"), {"action": "refund", "_selected_action": [paid_order.pk]})
    paid_order.refresh_from_db()
    assert paid_order.refunded_amount == 1200
    entry = AuditEntry.objects.get(action="order_refunded")
    assert entry.actor_email == "admin@example.test"
    assert (entry.before, entry.after) == (
        {"status": "fulfilled", "refunded_amount": 0},
        {"status": "refunded", "refunded_amount": 1200},
    )


def credits(organization):
    return generation_selectors.credit_balance(organization=organization)


def test_a_full_refund_takes_back_the_unspent_credits_and_records_what_was_spent(paid_order, organization, run_on_commit):
    assert credits(organization) == 100
    generation_services.adjust_credits(organization=organization, amount=-30, note="spent on jobs")
    with run_on_commit(execute=True):
        order = services.refund_order_payment(order=paid_order)
    assert (order.status, order.refunded_amount) == (Order.Status.REFUNDED, 1200)
    assert (order.credits_taken_back, order.credits_spent_before_refund) == (70, 30)
    assert credits(organization) == 0
    assert CreditEntry.objects.get(reason=CreditEntry.Reason.CLAWBACK).amount == -70


def test_a_partial_refund_keeps_the_order_delivered_and_takes_back_its_share_of_credits(client_user, organization, run_on_commit):
    order = paid_order_of(client_user, run_on_commit, [PACK, GUIDE])
    assert credits(organization) == 100
    with run_on_commit(execute=True):
        order = services.refund_order_payment(order=order, amount=600)  # a quarter of 2,400
    assert (order.status, order.refunded_amount, order.credits_taken_back) == (Order.Status.FULFILLED, 600, 25)
    assert credits(organization) == 75
    guide = order.lines.get(kind="digital")
    download = client_user.get(reverse("catalog:download", args=[order.pk, guide.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    page = client_user.get(reverse("catalog:order_detail", args=[order.pk])).content.decode()
    assert "what it delivered stays yours" in page and "took back 25 unspent credits" in page
    api = client_user.get(f"/api/v1/orders/{order.pk}/").json()
    assert (api["status"], api["refunded_amount"], api["credits_taken_back"]) == ("fulfilled", 600, 25)


def test_partial_refunds_of_a_mixed_order_take_back_credits_in_proportion_rounded_down_until_the_last(
    client_user, organization, run_on_commit
):
    """A 100-credit pack (12.00 €) and a guide (24.00 €): each refund takes back the credits of
    the share of the order refunded so far, rounded down (the customer keeps the part-credit),
    less what earlier refunds took; the refund that reaches the total takes back the rest. So three
    refunds take back exactly what one refund of their sum would, and all 100 in the end."""
    order = paid_order_of(client_user, run_on_commit, [PACK, (DigitalProductFactory, "guide", 2000, {})])
    assert order.total == 3600 and credits(organization) == 100
    taken = []
    for amount in (1000, 1000, None):  # 27.7… credits, then 55.5… in all, then the rest
        with run_on_commit(execute=True):
            order = services.refund_order_payment(order=order, amount=amount)
        taken.append(order.credits_taken_back)
    assert taken == [27, 55, 100]
    assert (order.status, order.refunded_amount, order.credits_spent_before_refund) == (Order.Status.REFUNDED, 3600, 0)
    assert credits(organization) == 0
    clawbacks = CreditEntry.objects.filter(reason=CreditEntry.Reason.CLAWBACK).order_by("pk")
    assert list(clawbacks.values_list("amount", flat=True)) == [-27, -28, -45]


def test_a_refund_above_what_was_paid_is_refused_and_changes_nothing(paid_order, organization):
    with pytest.raises(ValidationFailed) as refused:
        services.refund_order_payment(order=paid_order, amount=1201)
    assert refused.value.code == "refund_above_payment" and "At most" in refused.value.message
    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.refunded_amount, paid_order.credits_taken_back) == (Order.Status.FULFILLED, 0, 0)
    assert credits(organization) == 100
    assert not Refund.objects.exists() and not CreditNote.objects.exists()
    for bad in (0, -5, "12", True):
        with pytest.raises(ValidationFailed):
            services.refund_order(order=paid_order, amount=bad)
    paid_order.refresh_from_db()
    assert paid_order.refunded_amount == 0 and credits(organization) == 100


@pytest.mark.parametrize(("locale", "reason"), [("fr", "Remboursement de la commande {}"), ("en", "Refund of order {}")])
def test_the_refund_reason_is_written_in_the_customer_language(paid_order, user, run_on_commit, locale, reason):
    """The credit note and the credit entry are the customer's records: staff working in another
    language do not change the words written on them."""
    user.locale = locale
    user.save(update_fields=["locale"])
    with run_on_commit(execute=True), translation.override("en" if locale == "fr" else "fr"):
        services.refund_order_payment(order=paid_order)
    expected = reason.format(paid_order.number)
    assert CreditNote.objects.get().reason == expected
    assert CreditEntry.objects.get(reason=CreditEntry.Reason.CLAWBACK).note == expected
