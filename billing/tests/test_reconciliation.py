"""Webhooks compare what was captured with what was asked, and record (never refuse) a difference:
the invoice takes what it still asks, the rest goes to the customer balance, staff see the
discrepancy. Refunds are written before the provider is called and settled after it."""

import hashlib
import hmac
import json
import time

import httpx
import pytest
import respx
from django.utils import translation

from billing import payments, selectors, services
from billing.models import BalanceEntry, PaymentDiscrepancy, Refund, WebhookEvent
from billing.providers import ProviderError, sandbox, signing
from billing.tests.factories import invoice, line
from core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

MM = "https://mm.example.test"


def _sandbox_post(client, event):
    body = json.dumps(event).encode()
    timestamp = int(time.time())
    header = f"t={timestamp},v1={signing.sign('sandbox-dev-secret', timestamp, body)}"
    return client.post(
        "/api/v1/billing/webhooks/sandbox/", body, content_type="application/json", HTTP_X_SANDBOX_SIGNATURE=header
    )


def _in_flight(organization, inv):
    """A sandbox payment waiting for its second step: no webhook sent yet."""
    payment, _ = payments.pay_invoice(
        organization=organization, invoice=inv, provider="sandbox", details={"card_number": "4000002760003184"}
    )
    return payment


def _captured(client, run_on_commit, payment, amount, currency, event_id="evt_cap"):
    event = {
        "id": event_id,
        "type": "payment.succeeded",
        "data": {"reference": payment.provider_reference, "payment_id": payment.pk, "amount": amount, "currency": currency},
    }
    with run_on_commit(execute=True):
        assert _sandbox_post(client, event).status_code == 200
    payment.refresh_from_db()
    return WebhookEvent.objects.get(event_id=event_id)


def test_exact_capture_pays_and_records_no_discrepancy(client, organization, run_on_commit):
    inv = invoice(organization)
    payment = _in_flight(organization, inv)
    event = _captured(client, run_on_commit, payment, inv.total, "EUR")
    inv.refresh_from_db()
    assert (event.status, payment.status, inv.status) == ("processed", "succeeded", "paid")
    assert payment.amount_received == inv.total and not PaymentDiscrepancy.objects.exists()
    assert selectors.balance_for(organization=organization, currency="EUR") == 0


def test_short_capture_is_recorded_and_the_rest_stays_due(client, organization, run_on_commit):
    inv = invoice(organization)  # 12.00 €
    payment = _in_flight(organization, inv)
    event = _captured(client, run_on_commit, payment, 1, "EUR")
    inv.refresh_from_db()
    assert event.status == "processed" and "short" in event.outcome
    assert payment.status == "succeeded" and payment.amount_received == 1
    assert (inv.status, inv.amount_paid, inv.amount_due) == ("open", 1, inv.total - 1)
    discrepancy = PaymentDiscrepancy.objects.get()
    assert (discrepancy.kind, discrepancy.applied_to_invoice, discrepancy.credited_to_balance) == ("short", 1, 0)
    # The rest can be paid: a second payment asks for what is still due.
    second, _ = payments.pay_invoice(
        organization=organization, invoice=inv, provider="sandbox", details={"card_number": "4000002760003184"}
    )
    assert second.amount == inv.total - 1


def test_long_capture_pays_the_invoice_and_credits_the_surplus(client, organization, run_on_commit):
    inv = invoice(organization)
    payment = _in_flight(organization, inv)
    event = _captured(client, run_on_commit, payment, inv.total + 300, "EUR")
    inv.refresh_from_db()
    assert inv.status == "paid" and inv.amount_paid == inv.total
    assert "long" in event.outcome and PaymentDiscrepancy.objects.get().credited_to_balance == 300
    assert selectors.balance_for(organization=organization, currency="EUR") == 300
    entry = BalanceEntry.objects.get()
    assert (entry.kind, entry.payment, entry.invoice) == ("overpayment", payment, inv)


def test_capture_in_another_currency_goes_to_the_balance_in_that_currency(client, organization, run_on_commit):
    inv = invoice(organization)
    payment = _in_flight(organization, inv)
    event = _captured(client, run_on_commit, payment, 1200, "XOF")
    inv.refresh_from_db()
    assert inv.status == "open" and inv.amount_paid == 0
    assert "currency" in event.outcome
    assert (payment.amount_received, payment.currency_received) == (1200, "XOF")
    assert selectors.balances_for(organization=organization) == {"XOF": 1200}
    # It cannot be refunded as a payment of the EUR invoice, only from the XOF balance.
    with pytest.raises(Exception) as refused:
        payments.refund_payment(payment=payment)
    assert refused.value.code == "payment_not_refundable"
    (refund,) = payments.refund_balance(organization=organization, currency="XOF")
    assert (refund.kind, refund.status, refund.amount, refund.currency) == ("balance", "succeeded", 1200, "XOF")
    assert selectors.balances_for(organization=organization) == {"XOF": 0}


def test_credit_note_during_a_payment_does_not_lose_the_payment(client, organization, run_on_commit):
    """The customer is charged 19.94 €, a credit note lowers the invoice to 18.94 € meanwhile: the
    invoice is paid and the euro goes to the customer balance (it was refused before)."""
    inv = invoice(organization, [line(unit_amount=1662, french_rate="20.00")])  # 19.94 €
    payment = _in_flight(organization, inv)
    services.issue_credit_note(invoice=inv, amount=100, reason="Goodwill")
    event = _captured(client, run_on_commit, payment, 1994, "EUR")
    inv.refresh_from_db()
    assert event.status == "processed" and inv.status == "paid"
    assert (inv.amount_paid, inv.amount_credited, inv.amount_due) == (1894, 100, 0)
    assert PaymentDiscrepancy.objects.get().kind == "reduced"
    assert selectors.balance_for(organization=organization, currency="EUR") == 100


def _mm_post(client, event):
    body = json.dumps(event).encode()
    timestamp = str(int(time.time()))
    signature = hmac.new(b"mm_secret", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return client.post(
        "/api/v1/billing/webhooks/mobile_money/",
        body,
        content_type="application/json",
        HTTP_X_MM_TIMESTAMP=timestamp,
        HTTP_X_MM_SIGNATURE=signature,
    )


@respx.mock
def test_mobile_money_webhook_for_one_franc_does_not_pay_25000(gateways, client, other_organization, run_on_commit):
    inv = invoice(other_organization, [line(unit_amount=25000, french_rate="0")])
    respx.post(f"{MM}/v1/payments").mock(return_value=httpx.Response(201, json={"id": "mm_1", "status": "pending"}))
    payment, _ = payments.pay_invoice(
        organization=other_organization,
        invoice=inv,
        provider="mobile_money",
        details={"phone": "+221771234567", "operator": "orange"},
    )
    event = {
        "id": "mmevt_1",
        "type": "payment.succeeded",
        "data": {"payment_id": "mm_1", "reference": f"webox-payment-{payment.pk}", "amount": 1, "currency": "XOF"},
    }
    with run_on_commit(execute=True):
        assert _mm_post(client, event).status_code == 200
    inv.refresh_from_db()
    assert inv.status == "open" and inv.amount_due == 24999
    assert PaymentDiscrepancy.objects.get().kind == "short"


def test_staff_see_discrepancies_in_the_admin(admin_client, client, organization, run_on_commit):
    inv = invoice(organization)
    payment = _in_flight(organization, inv)
    _captured(client, run_on_commit, payment, inv.total + 50, "EUR")
    page = admin_client.get("/admin/billing/paymentdiscrepancy/").content.decode()
    assert inv.number in page and "More than asked" in page


# --- Refunds outside locks -----------------------------------------------------------------------


def _paid(organization, run_on_commit, **kwargs):
    inv = invoice(organization, **kwargs)
    with run_on_commit(execute=True):
        payment, _ = payments.pay_invoice(
            organization=organization, invoice=inv, provider="sandbox", details={"card_number": "4242424242424242"}
        )
    payment.refresh_from_db()
    return inv, payment


def test_a_refund_is_written_pending_before_the_provider_is_called(organization, run_on_commit, monkeypatch):
    inv, payment = _paid(organization, run_on_commit)
    seen = []

    def refund(self, *, payment, amount, key):
        seen.append((Refund.objects.get().status, key))
        return "sbx_re_1"

    monkeypatch.setattr(sandbox.SandboxProvider, "refund", refund)
    made = payments.refund_payment(payment=payment, amount=500)
    assert seen == [("pending", f"webox-refund-{made.pk}")]
    made.refresh_from_db()
    assert made.status == "succeeded" and made.credit_note.total == 500 and made.provider_reference == "sbx_re_1"
    inv.refresh_from_db()
    assert (inv.amount_paid, inv.amount_credited) == (inv.total - 500, 500)


def test_a_refused_refund_changes_no_money(organization, run_on_commit, monkeypatch):
    inv, payment = _paid(organization, run_on_commit)

    def refuse(self, **kwargs):
        raise ProviderError("The processor refused the refund.")

    monkeypatch.setattr(sandbox.SandboxProvider, "refund", refuse)
    with pytest.raises(ProviderError):
        payments.refund_payment(payment=payment)
    assert Refund.objects.get().status == "failed"
    payment.refresh_from_db()
    inv.refresh_from_db()
    assert payment.amount_refunded == 0 and inv.amount_credited == 0 and inv.amount_paid == inv.total
    # The failed attempt holds nothing back: the whole amount can still be refunded.
    monkeypatch.undo()
    payments.refund_payment(payment=payment)
    payment.refresh_from_db()
    assert payment.status == "refunded"


def test_a_refund_above_what_was_paid_changes_nothing(organization, run_on_commit):
    inv, payment = _paid(organization, run_on_commit)
    with pytest.raises(ValidationFailed) as refused, translation.override("en"):
        payments.refund_payment(payment=payment, amount=inv.total + 1)
    assert "€12.00" in refused.value.message  # in major units, never "1200"
    assert not Refund.objects.exists()


def test_a_balance_refund_refused_by_the_provider_is_credited_back(organization, run_on_commit, monkeypatch):
    inv, payment = _paid(organization, run_on_commit)
    services.issue_credit_note(invoice=inv, amount=700, reason="Goodwill")
    assert selectors.balance_for(organization=organization, currency="EUR") == 700

    def refuse(self, **kwargs):
        raise ProviderError("The processor refused the refund.")

    monkeypatch.setattr(sandbox.SandboxProvider, "refund", refuse)
    with pytest.raises(ProviderError):
        payments.refund_balance(organization=organization, currency="EUR")
    assert selectors.balance_for(organization=organization, currency="EUR") == 700
    kinds = list(BalanceEntry.objects.order_by("pk").values_list("kind", "amount"))
    assert kinds == [("credit_note", 700), ("refund", -700), ("refund_failed", 700)]
    with pytest.raises(ValidationFailed):
        payments.refund_balance(organization=organization, currency="EUR", amount=701)


def test_the_same_card_is_saved_once(organization):
    first = payments.add_payment_method(
        organization=organization, provider="sandbox", details={"card_number": "4242424242424242"}
    )
    again = payments.add_payment_method(
        organization=organization, provider="sandbox", details={"card_number": "4242 4242 4242 4242"}
    )
    assert again.pk == first.pk and organization.payment_methods.count() == 1
