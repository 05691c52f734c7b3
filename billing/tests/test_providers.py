"""Stripe and mobile money against recorded HTTP answers (respx), and their webhook signatures."""

import hashlib
import hmac
import json
import time

import httpx
import pytest
import respx
from django.urls import reverse

from billing import payments
from billing.models import Payment, PaymentMethod, WebhookEvent
from billing.providers import ProviderError
from billing.tests.factories import invoice, line
from core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

STRIPE = "https://api.stripe.com"


def intent(status, **extra):
    return {
        "id": "pi_3Q0001",
        "object": "payment_intent",
        "amount": 2280,
        "currency": "eur",
        "status": status,
        "metadata": {},
        "last_payment_error": None,
        "next_action": None,
        **extra,
    }


def stripe_signature(body, secret="whsec_test", timestamp=None):
    timestamp = timestamp or int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@respx.mock
def test_stripe_payment_succeeds_synchronously(gateways, organization):
    inv = invoice(organization, [line(unit_amount=1900)])
    route = respx.post(f"{STRIPE}/v1/payment_intents").mock(return_value=httpx.Response(200, json=intent("succeeded")))
    payment, _ = payments.pay_invoice(
        organization=organization, invoice=inv, provider="stripe", details={"payment_method": "pm_card_visa"}
    )
    assert payment.status == "succeeded" and payment.provider_reference == "pi_3Q0001"
    sent = route.calls.last.request
    assert b"amount=2280" in sent.content and b"currency=eur" in sent.content and b"confirm=true" in sent.content
    assert sent.headers["Idempotency-Key"] == f"webox-payment-{payment.pk}"
    assert sent.headers["Authorization"] == "Bearer sk_test_webox"
    inv.refresh_from_db()
    assert inv.status == "paid"


@respx.mock
def test_stripe_card_declined(gateways, organization):
    inv = invoice(organization)
    error = {
        "error": {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "insufficient_funds",
            "message": "Your card has insufficient funds.",
            "payment_intent": intent("requires_payment_method"),
        }
    }
    respx.post(f"{STRIPE}/v1/payment_intents").mock(return_value=httpx.Response(402, json=error))
    payment, _ = payments.pay_invoice(
        organization=organization, invoice=inv, provider="stripe", details={"payment_method": "pm_card_chargeDeclined"}
    )
    assert (payment.status, payment.failure_code) == ("failed", "insufficient_funds")
    assert payment.failure_message == "The card has insufficient funds."
    inv.refresh_from_db()
    assert inv.status == "open" and inv.payment_attempts == 1


@respx.mock
def test_stripe_unreachable_is_a_clear_error(gateways, organization):
    inv = invoice(organization)
    respx.post(f"{STRIPE}/v1/payment_intents").mock(side_effect=httpx.ConnectError("down"))
    with pytest.raises(ProviderError):
        payments.pay_invoice(organization=organization, invoice=inv, provider="stripe", details={"payment_method": "pm_x"})
    assert Payment.objects.get().status == "failed"  # nothing charged; the invoice can be paid again


@respx.mock
def test_stripe_saved_method_and_refund(gateways, organization):
    respx.post(f"{STRIPE}/v1/customers").mock(return_value=httpx.Response(200, json={"id": "cus_1", "object": "customer"}))
    respx.post(f"{STRIPE}/v1/payment_methods/pm_1/attach").mock(
        return_value=httpx.Response(
            200,
            json={
                "id": "pm_1",
                "object": "payment_method",
                "customer": "cus_1",
                "card": {"brand": "visa", "last4": "4242", "exp_month": 8, "exp_year": 2031},
            },
        )
    )
    method = payments.add_payment_method(organization=organization, provider="stripe", details={"payment_method": "pm_1"})
    assert (method.label, method.provider_customer) == ("Visa •••• 4242 (exp. 08/2031)", "cus_1")
    inv = invoice(organization, [line(unit_amount=1900)])
    pay = respx.post(f"{STRIPE}/v1/payment_intents").mock(return_value=httpx.Response(200, json=intent("succeeded")))
    payment, _ = payments.pay_invoice(organization=organization, invoice=inv, provider="stripe", payment_method=method)
    assert b"customer=cus_1" in pay.calls.last.request.content
    refund = respx.post(f"{STRIPE}/v1/refunds").mock(
        return_value=httpx.Response(200, json={"id": "re_1", "object": "refund", "status": "succeeded"})
    )
    made = payments.refund_payment(payment=payment, amount=1000)
    assert b"payment_intent=pi_3Q0001" in refund.calls.last.request.content and made.provider_reference == "re_1"
    assert made.credit_note.total == 1000


@respx.mock
def test_stripe_webhook_settles_a_processing_payment(gateways, client, organization, run_on_commit):
    inv = invoice(organization, [line(unit_amount=1900)])
    respx.post(f"{STRIPE}/v1/payment_intents").mock(return_value=httpx.Response(200, json=intent("processing")))
    payment, _ = payments.pay_invoice(
        organization=organization, invoice=inv, provider="stripe", details={"payment_method": "pm_x"}
    )
    assert payment.status == "processing"
    body = json.dumps(
        {"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "data": {"object": intent("succeeded")}}
    ).encode()
    with run_on_commit(execute=True):
        response = client.post(
            "/api/v1/billing/webhooks/stripe/",
            body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=stripe_signature(body),
        )
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == "succeeded" and WebhookEvent.objects.get().status == "processed"


@pytest.mark.parametrize("header", ["missing", "bad", "stale"])
def test_stripe_webhook_bad_missing_and_stale_signatures(gateways, client, header):
    body = json.dumps(
        {"id": "evt_2", "object": "event", "type": "payment_intent.succeeded", "data": {"object": intent("succeeded")}}
    ).encode()
    headers = {
        "missing": {},
        "bad": {"HTTP_STRIPE_SIGNATURE": stripe_signature(body, secret="whsec_other")},
        "stale": {"HTTP_STRIPE_SIGNATURE": stripe_signature(body, timestamp=int(time.time()) - 3600)},
    }[header]
    response = client.post("/api/v1/billing/webhooks/stripe/", body, content_type="application/json", **headers)
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_signature"
    assert not WebhookEvent.objects.exists()


MM = "https://mm.example.test"


def mm_post(client, payload, *, secret="mm_secret", timestamp=None):
    body = json.dumps(payload).encode()
    timestamp = str(timestamp or int(time.time()))
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return client.post(
        "/api/v1/billing/webhooks/mobile_money/",
        body,
        content_type="application/json",
        HTTP_X_MM_TIMESTAMP=timestamp,
        HTTP_X_MM_SIGNATURE=signature,
    )


@respx.mock
def test_mobile_money_initiate_then_signed_callback(gateways, client, other_organization, run_on_commit):
    inv = invoice(other_organization, [line(unit_amount=10000, french_rate="0")])
    route = respx.post(f"{MM}/v1/payments").mock(return_value=httpx.Response(201, json={"id": "mm_123", "status": "pending"}))
    payment, _ = payments.pay_invoice(
        organization=other_organization,
        invoice=inv,
        provider="mobile_money",
        details={"phone": "+221 77 123 45 67", "operator": "orange"},
    )
    sent = json.loads(route.calls.last.request.content)
    assert sent["amount"] == 10000 and sent["currency"] == "XOF" and sent["phone"] == "+221771234567"
    assert sent["callback_url"].endswith("/api/v1/billing/webhooks/mobile_money/")
    assert route.calls.last.request.headers["Idempotency-Key"] == f"webox-payment-{payment.pk}"
    assert payment.status == "processing" and payment.provider_reference == "mm_123"
    event = {
        "id": "mmevt_1",
        "type": "payment.succeeded",
        "data": {"payment_id": "mm_123", "reference": f"webox-payment-{payment.pk}", "amount": 10000, "currency": "XOF"},
    }
    with run_on_commit(execute=True):
        assert mm_post(client, event).status_code == 200
        assert mm_post(client, event).json()["duplicate"] is True
    payment.refresh_from_db()
    inv.refresh_from_db()
    assert payment.status == "succeeded" and inv.status == "paid"


@pytest.mark.parametrize("case", ["bad", "stale", "missing"])
def test_mobile_money_refuses_bad_stale_and_missing_signatures(gateways, client, case):
    event = {"id": "mmevt_2", "type": "payment.succeeded", "data": {"payment_id": "mm_1"}}
    if case == "bad":
        response = mm_post(client, event, secret="wrong")
    elif case == "stale":
        response = mm_post(client, event, timestamp=int(time.time()) - 301)
    else:
        response = client.post("/api/v1/billing/webhooks/mobile_money/", event, content_type="application/json")
    assert response.status_code == 400 and not WebhookEvent.objects.exists()


def test_mobile_money_bad_input(gateways, organization, other_organization):
    eur = invoice(organization)
    with pytest.raises(ValidationFailed):
        payments.pay_invoice(
            organization=organization,
            invoice=eur,
            provider="mobile_money",
            details={"phone": "+221771234567", "operator": "orange"},
        )
    xof = invoice(other_organization)
    for details in ({"phone": "77 123", "operator": "orange"}, {"phone": "+221771234567", "operator": "paypal"}):
        with pytest.raises(ValidationFailed):
            payments.pay_invoice(organization=other_organization, invoice=xof, provider="mobile_money", details=details)
    assert not Payment.objects.exists()


@respx.mock
def test_mobile_money_saved_number_is_masked(gateways, other_organization):
    method = payments.add_payment_method(
        organization=other_organization, provider="mobile_money", details={"phone": "+221771234567", "operator": "wave"}
    )
    assert method.label == "Wave +221 •• ••• 45 67" and method.kind == "mobile_money"
    assert PaymentMethod.objects.get().phone_masked == "+221 •• ••• 45 67"


@respx.mock
def test_stripe_in_the_browser_follows_the_bank_redirect(gateways, client_user, organization, monkeypatch):
    monkeypatch.setattr(gateways, "STRIPE_PUBLISHABLE_KEY", "pk_test_webox")
    inv = invoice(organization)
    page = client_user.get(reverse("billing:invoice_pay", args=[inv.pk])).content.decode()
    assert "js.stripe.com/v3" in page and "pk_test_webox" in page
    bank = "https://hooks.stripe.com/3d_secure_2/hosted?payment_intent=pi_3Q0001"
    route = respx.post(f"{STRIPE}/v1/payment_intents").mock(
        return_value=httpx.Response(
            200,
            json=intent(
                "requires_action", next_action={"type": "redirect_to_url", "redirect_to_url": {"url": bank, "return_url": "x"}}
            ),
        )
    )
    response = client_user.post(
        reverse("billing:invoice_pay", args=[inv.pk]),
        {"provider": "stripe", "stripe_payment_method": "pm_card_threeDSecure2Required"},
    )
    payment = Payment.objects.get()
    assert response.status_code == 302 and response.url == bank
    assert payment.status == "processing" and payment.next_action_url == bank
    sent = route.calls.last.request.content.decode()
    assert "return_url=" in sent and f"%2Fbilling%2Fpayments%2F{payment.pk}%2F" in sent
