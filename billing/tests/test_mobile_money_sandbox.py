"""Mobile money in the sandbox, through the pay page and the API: the documented test phone
numbers succeed, fail with a clear message, or stay pending until the status poller finds them
timed out; checkout's choice of method is preselected; bad numbers change nothing."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from billing import services, tasks
from billing.models import Invoice, Payment, PaymentMethod
from billing.providers.sandbox import PHONE_REFUSED, PHONE_SUCCESS, PHONE_TIMEOUT, documented_phones
from billing.selectors import pay_url
from billing.tests.factories import invoice

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 10, tzinfo=UTC)


@pytest.fixture
def franc_invoice(other_organization):
    return invoice(other_organization, [services.LineSpec("Pack 500", 1, 25000, 0)])


@pytest.fixture
def bob(other_user):
    client = Client()
    client.force_login(other_user)
    return client


def pay_by_phone(client, inv, phone, **extra):
    url = reverse("billing:invoice_pay", args=[inv.pk])
    data = {"provider": "sandbox", "method": "mobile_money", "phone": phone, "operator": "wave", **extra}
    return client.post(url, data, HTTP_REFERER=f"http://testserver{url}", follow=True)


def test_the_franc_pay_page_lists_the_test_phone_numbers_and_the_euro_one_does_not(bob, franc_invoice, client_user, organization):
    page = bob.get(pay_url(franc_invoice)).content.decode()
    assert 'id="test-phones"' in page
    for number, _outcome in documented_phones():
        assert f"<code>{number}</code>" in page
    assert "+221 77 000 00 01" in page and "+221 77 000 00 03" in page
    euro = client_user.get(pay_url(invoice(organization))).content.decode()
    assert 'id="test-phones"' not in euro and "+221 77" not in euro


def test_a_success_number_pays_the_invoice_through_the_pay_page(bob, franc_invoice, run_on_commit):
    with run_on_commit(execute=True):
        response = pay_by_phone(bob, franc_invoice, "+221 77 000 00 01")
    payment = Payment.objects.get()
    assert response.redirect_chain[-1][0] == reverse("billing:payment_detail", args=[payment.pk])
    assert (payment.method, payment.status, payment.amount_received, payment.currency_received) == (
        "mobile_money", "succeeded", 25000, "XOF",
    )  # fmt: skip
    franc_invoice.refresh_from_db()
    assert (franc_invoice.status, franc_invoice.amount_paid, franc_invoice.amount_due) == ("paid", 25000, 0)
    assert 'data-status="succeeded"' in bob.get(reverse("billing:payment_detail", args=[payment.pk])).content.decode()


def test_a_refused_number_fails_with_a_clear_message_in_french(bob, franc_invoice, run_on_commit):
    with run_on_commit(execute=True):
        pay_by_phone(bob, franc_invoice, PHONE_REFUSED)
    payment = Payment.objects.get()
    assert (payment.status, payment.failure_code) == ("failed", "canceled_by_customer")
    page = bob.get(reverse("billing:payment_detail", args=[payment.pk])).content.decode()  # Bob reads French
    assert "Le paiement a été refusé sur le téléphone." in page and "Réessayer" in page
    assert Invoice.objects.get(pk=franc_invoice.pk).status == "open"


def test_a_number_never_confirmed_stays_pending_until_the_poller_finds_it_timed_out(bob, franc_invoice, run_on_commit):
    with time_machine.travel(START, tick=False), run_on_commit(execute=True):
        response = pay_by_phone(bob, franc_invoice, PHONE_TIMEOUT)
    payment = Payment.objects.get()
    assert payment.status == "processing"
    assert "confirmez le paiement sur votre téléphone" in response.content.decode()
    # Still waiting on the pay page: a second payment cannot start meanwhile.
    assert "Un paiement est déjà en cours" in bob.get(pay_url(franc_invoice)).content.decode()
    with time_machine.travel(START + timedelta(minutes=1), tick=False), run_on_commit(execute=True):
        tasks.poll_pending_payments()  # the customer may still be confirming on the phone
    assert Payment.objects.get().status == "processing"
    with time_machine.travel(START + timedelta(minutes=3), tick=False), run_on_commit(execute=True):
        tasks.poll_pending_payments()
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == ("failed", "timeout")
    page = bob.get(reverse("billing:payment_detail", args=[payment.pk])).content.decode()
    assert "Le paiement n'a pas été confirmé sur le téléphone à temps." in page.replace("&#x27;", "'")
    assert Invoice.objects.get(pk=franc_invoice.pk).status == "open"
    with run_on_commit(execute=True):
        pay_by_phone(bob, franc_invoice, PHONE_SUCCESS)  # tried again, with a number that confirms
    assert Invoice.objects.get(pk=franc_invoice.pk).status == "paid"


def checked(page):
    return {value for value in ("card", "mobile_money") if re.search(f'name="method" value="{value}"[^>]*checked', page)}


def test_the_method_chosen_at_checkout_is_preselected(bob, franc_invoice):
    assert checked(bob.get(pay_url(franc_invoice, method="mobile_money")).content.decode()) == {"mobile_money"}
    assert checked(bob.get(pay_url(franc_invoice, method="card")).content.decode()) == {"card"}
    assert checked(bob.get(pay_url(franc_invoice)).content.decode()) == {"card"}
    assert checked(bob.get(pay_url(franc_invoice) + "?method=cheque").content.decode()) == {"card"}


def test_checkout_with_mobile_money_opens_the_pay_page_with_it_chosen(bob, other_user, other_organization):
    from catalog import services as catalog_services
    from catalog.models import Cart
    from catalog.tests.factories import ProductFactory

    ProductFactory(slug="pack-500", xof=25000)
    cart = Cart.objects.create(organization=other_organization, user=other_user)
    catalog_services.add_item(cart=cart, product_slug="pack-500", quantity=1, currency="XOF")
    page = bob.get(reverse("catalog:checkout"))
    total = page.context["totals"].total
    response = bob.post(
        reverse("catalog:checkout"),
        {**catalog_services.billing_defaults(other_organization), "payment_method": "mobile_money", "expected_total": total},
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith("/pay/?method=mobile_money")
    assert checked(response.content.decode()) == {"mobile_money"}


def test_a_card_payment_ignores_a_phone_typed_beside_it(bob, franc_invoice, run_on_commit):
    with run_on_commit(execute=True):
        pay_by_phone(bob, franc_invoice, PHONE_REFUSED, method="card", card_number="4242 4242 4242 4242")
    payment = Payment.objects.get()
    assert (payment.method, payment.status) == ("sandbox", "succeeded")


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("77 000 00 01", "Saisissez le numéro au format international"),
        ("+221 77 000", "Saisissez le numéro au format international"),
        ("+33 6 12 34 56 78", "+221, +223, +225, +226, +227, +228, +229, +245"),
        ("", "Saisissez le numéro au format international"),
    ],
    ids=["no-country-code", "too-short", "french-number", "empty"],
)
def test_a_bad_number_on_the_pay_page_is_a_clear_error_and_changes_nothing(bob, franc_invoice, phone, message):
    response = pay_by_phone(bob, franc_invoice, phone, save_method="on")
    assert response.redirect_chain[-1][0].endswith(reverse("billing:invoice_pay", args=[franc_invoice.pk]))
    assert message in response.content.decode()
    assert not Payment.objects.exists() and not PaymentMethod.objects.exists()
    assert Invoice.objects.get(pk=franc_invoice.pk).status == "open"


def test_the_api_pays_by_phone_and_refuses_bad_numbers(other_user, franc_invoice, run_on_commit):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(other_user)
    url = f"/api/v1/billing/invoices/{franc_invoice.pk}/pay/"
    for phone, code in (("+33612345678", "phone_country_mismatch"), ("0770000001", "invalid_phone"), ("", "invalid_phone")):
        body = {"provider": "sandbox", "method": "mobile_money", "operator": "orange", **({"phone": phone} if phone else {})}
        refused = api.post(url, body, format="json")
        assert refused.status_code == 400, refused.json()
        assert refused.json()["error"]["code"] == code and "phone" in refused.json()["error"]["fields"]
    assert not Payment.objects.exists()
    with run_on_commit(execute=True):
        body = {"provider": "sandbox", "method": "mobile_money", "phone": PHONE_SUCCESS, "operator": "orange"}
        paid = api.post(url, body, format="json")
    assert paid.status_code == 201 and paid.json()["status"] == "processing"
    assert api.get(f"/api/v1/billing/payments/{paid.json()['id']}/").json()["status"] == "succeeded"
    assert Invoice.objects.get(pk=franc_invoice.pk).status == "paid"
