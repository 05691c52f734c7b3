import json
import time

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import OrganizationFactory
from billing import payments, selectors, services
from billing.models import Payment, PaymentMethod, WebhookEvent
from billing.payments.services import failure_reason
from billing.providers import sandbox, signing
from billing.tests.factories import PlanFactory, invoice
from core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def pay(api, inv, key=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(f"/api/v1/billing/invoices/{inv.pk}/pay/", {"provider": "sandbox", **body}, format="json", **headers)


@pytest.fixture
def subscription_invoice(organization):
    sub = services.subscribe(organization=organization, plan=PlanFactory(code="pro"))
    services.suspend_subscription(subscription=sub)
    return sub.invoices.get()


def test_success_number_pays_the_invoice_and_activates_the_subscription(
    auth_api, subscription_invoice, run_on_commit, mailoutbox
):
    inv = subscription_invoice
    with run_on_commit(execute=True):
        response = pay(auth_api, inv, card_number="4242 4242 4242 4242")
    assert response.status_code == 201 and response.json()["status"] == "processing"
    payment = Payment.objects.get()
    inv.refresh_from_db()
    assert payment.status == "succeeded" and payment.completed_at
    assert inv.status == "paid" and inv.amount_paid == inv.total
    assert inv.subscription.status == "active"
    assert [m.subject for m in mailoutbox if "paid" in m.subject] == [f"Invoice {inv.number} paid"]
    event = WebhookEvent.objects.get()
    assert (event.provider, event.status, event.payment) == ("sandbox", "processed", payment)
    assert auth_api.get(f"/api/v1/billing/payments/{payment.pk}/").json()["status"] == "succeeded"


@pytest.mark.parametrize(
    ("number", "code", "words"),
    [
        ("4000000000000002", "card_declined", "declined"),
        ("4000000000009995", "insufficient_funds", "insufficient funds"),
    ],
)
def test_failing_numbers_record_the_attempt_and_say_why(
    auth_api, organization, user, number, code, words, run_on_commit, mailoutbox
):
    inv = invoice(organization)
    with run_on_commit(execute=True):
        pay(auth_api, inv, card_number=number)
    payment = Payment.objects.get()
    inv.refresh_from_db()
    assert (payment.status, payment.failure_code) == ("failed", code)
    assert words in auth_api.get(f"/api/v1/billing/payments/{payment.pk}/").json()["failure_message"]
    assert inv.status == "open" and inv.payment_attempts == 1
    assert user.notifications.filter(kind="payment_failed").count() == 1
    assert any("failed" in m.subject for m in mailoutbox)
    with run_on_commit(execute=True):  # the next attempt with the success number pays it
        assert pay(auth_api, inv, card_number="4242424242424242").json()["status"] == "processing"
    inv.refresh_from_db()
    assert inv.status == "paid" and Payment.objects.get(status="succeeded").attempt == 2


@pytest.mark.parametrize(("decision", "outcome"), [("approve", "succeeded"), ("refuse", "failed")])
def test_second_step_number(client_user, organization, decision, outcome, run_on_commit):
    inv = invoice(organization)
    response = client_user.post(
        reverse("billing:invoice_pay", args=[inv.pk]), {"provider": "sandbox", "card_number": "4000 0027 6000 3184"}
    )
    payment = Payment.objects.get()
    assert payment.status == "processing"
    assert response.url == reverse("billing:sandbox_confirm", args=[payment.pk])
    assert "TEST MODE" in client_user.get(response.url).content.decode()
    with run_on_commit(execute=True):
        client_user.post(response.url, {"decision": decision})
    payment.refresh_from_db()
    assert payment.status == outcome


def test_bad_payment_input_changes_nothing(auth_api, organization, other_organization, run_on_commit):
    inv = invoice(organization)
    for body, code in (
        ({"card_number": "1234"}, "invalid_test_card"),
        ({"provider": "paypal", "card_number": "4242424242424242"}, "validation_error"),
        ({"method": "card", "card_number": "4242424242424242"}, "unknown_method"),
        ({"card_number": "4242424242424242", "amount": inv.total - 1}, "amount_mismatch"),
        ({"provider": "stripe", "stripe_payment_method": "pm_1"}, "unknown_provider"),  # not enabled here
    ):
        response = pay(auth_api, inv, **body)
        assert response.status_code in (400, 422) and response.json()["error"]["code"] == code, body
    theirs = payments.add_payment_method(
        organization=other_organization, provider="sandbox", details={"card_number": "4242424242424242"}
    )
    response = pay(auth_api, inv, payment_method=theirs.pk)
    assert response.status_code == 404
    assert not Payment.objects.exists()
    services.void_invoice(invoice=inv, reason="x")
    assert pay(auth_api, inv, card_number="4242424242424242").status_code == 409
    assert not Payment.objects.exists()


def test_paying_a_paid_invoice_is_refused(auth_api, organization, run_on_commit):
    inv = invoice(organization)
    with run_on_commit(execute=True):
        pay(auth_api, inv, card_number="4242424242424242")
    response = pay(auth_api, inv, card_number="4242424242424242")
    assert response.status_code == 409 and response.json()["error"]["code"] == "invoice_not_payable"
    assert Payment.objects.count() == 1


def test_idempotency_key_replays_and_refuses_a_different_body(auth_api, organization):
    inv = invoice(organization)
    first = pay(auth_api, inv, key="key-1", card_number="4242424242424242")
    again = pay(auth_api, inv, key="key-1", card_number="4242424242424242")
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    other = pay(auth_api, inv, key="key-1", card_number="4000000000000002")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert Payment.objects.count() == 1


def test_one_payment_in_flight_and_cancel(auth_api, organization):
    inv = invoice(organization)
    first = pay(auth_api, inv, card_number="4000002760003184").json()
    response = pay(auth_api, inv, card_number="4242424242424242")
    assert response.status_code == 409 and response.json()["error"]["code"] == "payment_in_progress"
    canceled = auth_api.post(f"/api/v1/billing/payments/{first['id']}/cancel/").json()
    assert canceled["status"] == "canceled"
    assert auth_api.post(f"/api/v1/billing/payments/{first['id']}/cancel/").status_code == 409


def _sandbox_post(client, event, timestamp=None, secret=None):
    body = json.dumps(event).encode()
    timestamp = timestamp or int(time.time())
    header = f"t={timestamp},v1={signing.sign(secret or 'sandbox-dev-secret', timestamp, body)}"
    return client.post(
        "/api/v1/billing/webhooks/sandbox/", body, content_type="application/json", HTTP_X_SANDBOX_SIGNATURE=header
    )


def _event(event_id, kind, reference, **data):
    return {"id": event_id, "type": kind, "data": {"reference": reference, **data}}


def test_duplicate_and_out_of_order_webhooks(client, auth_api, organization, run_on_commit):
    inv = invoice(organization)
    pay(auth_api, inv, card_number="4000002760003184")  # waits for a second step: no webhook sent yet
    payment = Payment.objects.get()
    succeeded = _event("evt_1", "payment.succeeded", payment.provider_reference)
    with run_on_commit(execute=True):
        assert _sandbox_post(client, succeeded).json() == {"received": True, "duplicate": False}
        assert _sandbox_post(client, succeeded).json() == {"received": True, "duplicate": True}
        late_failure = _event("evt_0", "payment.failed", payment.provider_reference, failure_code="card_declined")
        assert _sandbox_post(client, late_failure).status_code == 200
    payment.refresh_from_db()
    inv.refresh_from_db()
    assert payment.status == "succeeded" and inv.status == "paid" and inv.payment_attempts == 0
    assert WebhookEvent.objects.get(event_id="evt_1").deliveries == 2
    assert WebhookEvent.objects.get(event_id="evt_0").outcome == "payment stays succeeded"


def test_unsigned_forged_and_replayed_sandbox_webhooks_are_refused(client, auth_api, organization):
    inv = invoice(organization)
    pay(auth_api, inv, card_number="4000002760003184")
    reference = Payment.objects.get().provider_reference
    event = _event("evt_x", "payment.succeeded", reference)
    unsigned = client.post("/api/v1/billing/webhooks/sandbox/", event, content_type="application/json")
    forged = _sandbox_post(client, event, secret="guess")
    stale = _sandbox_post(client, event, timestamp=int(time.time()) - 3600)
    assert [r.status_code for r in (unsigned, forged, stale)] == [400, 400, 400]
    assert unsigned.json()["error"]["code"] == "bad_signature"
    assert not WebhookEvent.objects.exists() and Payment.objects.get().status == "processing"
    assert client.post("/api/v1/billing/webhooks/paypal/", event, content_type="application/json").status_code == 400


def test_partial_refund_then_the_rest_then_refused(organization, run_on_commit, staff_user):
    inv = invoice(organization, [services.LineSpec("Pack", 1, 10000, 20)])
    with run_on_commit(execute=True):
        payment, _ = payments.pay_invoice(
            organization=organization, invoice=inv, provider="sandbox", details={"card_number": "4242424242424242"}
        )
    payment.refresh_from_db()
    first = payments.refund_payment(payment=payment, amount=4000, reason="Half a pack", user=staff_user)
    payment.refresh_from_db()
    assert payment.status == "partially_refunded" and first.credit_note.total == 4000
    payments.refund_payment(payment=payment, amount=8000)
    payment.refresh_from_db()
    assert payment.status == "refunded" and payment.amount_refunded == 12000
    with pytest.raises((ValidationFailed, InvalidTransition)):
        payments.refund_payment(payment=payment, amount=1)
    inv.refresh_from_db()
    assert inv.amount_credited == 12000 and inv.credit_notes.count() == 2


def test_refund_larger_than_payment_is_refused(organization, run_on_commit):
    inv = invoice(organization)
    with run_on_commit(execute=True):
        payment, _ = payments.pay_invoice(
            organization=organization, invoice=inv, provider="sandbox", details={"card_number": "4242424242424242"}
        )
    with pytest.raises(ValidationFailed):
        payments.refund_payment(payment=payment, amount=inv.total + 1)
    assert not inv.credit_notes.exists()


def test_payment_methods_api_and_strangers(auth_api, organization, other_organization):
    response = auth_api.post("/api/v1/billing/payment-methods/", {"provider": "sandbox", "card_number": "4242424242424242"})
    assert response.status_code == 201 and response.json()["label"].endswith("4242 (exp. 12/2030)")
    assert response.json()["is_default"] is True
    second = auth_api.post(
        "/api/v1/billing/payment-methods/", {"provider": "sandbox", "card_number": "4000000000000002", "make_default": True}
    ).json()
    assert PaymentMethod.objects.get(is_default=True).pk == second["id"]
    assert "4242424242424242" not in json.dumps(list(PaymentMethod.objects.values()), default=str)
    theirs = payments.add_payment_method(
        organization=other_organization, provider="sandbox", details={"card_number": "4242424242424242"}
    )
    assert auth_api.delete(f"/api/v1/billing/payment-methods/{theirs.pk}/").status_code == 404
    assert auth_api.post(f"/api/v1/billing/payment-methods/{theirs.pk}/set-default/").status_code == 404
    assert auth_api.delete(f"/api/v1/billing/payment-methods/{second['id']}/").status_code == 204
    assert PaymentMethod.objects.get(organization=organization).is_default
    assert PaymentMethod.objects.filter(pk=theirs.pk).exists()


def test_payment_of_a_stranger_is_404(auth_api, client_user, other_organization):
    inv = invoice(other_organization)
    theirs, _ = payments.pay_invoice(
        organization=other_organization, invoice=inv, provider="sandbox", details={"card_number": "4000002760003184"}
    )
    assert auth_api.get(f"/api/v1/billing/payments/{theirs.pk}/").status_code == 404
    assert auth_api.post(f"/api/v1/billing/payments/{theirs.pk}/cancel/").status_code == 404
    assert auth_api.post(f"/api/v1/billing/invoices/{inv.pk}/pay/", {"provider": "sandbox"}).status_code == 404
    for name in ("billing:payment_detail", "billing:sandbox_confirm", "billing:invoice_pay"):
        target = inv.pk if name == "billing:invoice_pay" else theirs.pk
        assert client_user.get(reverse(name, args=[target])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "processing"


def test_browser_decline_then_success(client_user, organization, run_on_commit, django_assert_max_num_queries):
    inv = invoice(organization)
    page = client_user.get(reverse("billing:invoice_pay", args=[inv.pk])).content.decode()
    assert "TEST MODE" in page and "4000 0000 0000 0002" in page
    with run_on_commit(execute=True):
        response = client_user.post(
            reverse("billing:invoice_pay", args=[inv.pk]), {"provider": "sandbox", "card_number": "4000 0000 0000 0002"}
        )
    assert "declined" in client_user.get(response.url).content.decode()
    with run_on_commit(execute=True):
        response = client_user.post(
            reverse("billing:invoice_pay", args=[inv.pk]),
            {"provider": "sandbox", "card_number": "4242 4242 4242 4242", "save_method": "on"},
        )
    assert "is paid" in client_user.get(response.url).content.decode()
    assert PaymentMethod.objects.get().last4 == "4242"
    with django_assert_max_num_queries(6):
        assert client_user.get(reverse("billing:payment_list")).status_code == 200


def test_payment_method_service_errors(organization):
    with pytest.raises(ValidationFailed):
        payments.add_payment_method(organization=organization, provider="sandbox", details={"card_number": "1111"})
    with pytest.raises(NotFound):
        selectors.method_for(organization=organization, pk=999)
    method = payments.add_payment_method(
        organization=organization, provider="sandbox", details={"card_number": "4242424242424242"}
    )
    assert method.is_default
    with pytest.raises(NotFound):
        selectors.method_for(organization=OrganizationFactory(), pk=method.pk)


def test_sandbox_webhook_delivery_is_signed(monkeypatch):
    body, headers = sandbox.signed_delivery({"id": "evt", "type": "payment.succeeded", "data": {"reference": "r"}})
    event = sandbox.SandboxProvider().verify_webhook(body=body, headers=headers)
    assert (event.event_id, event.status, event.payment_reference) == ("evt", "succeeded", "r")
    with time_machine.travel(time.time() + 3600, tick=False):
        with pytest.raises(Exception) as error:
            sandbox.SandboxProvider().verify_webhook(body=body, headers=headers)
    assert error.value.code == "bad_signature"


def test_success_after_a_failure_is_recorded_and_pays_the_invoice(client, auth_api, organization, run_on_commit):
    """The provider's word is the truth: a capture reported after we marked the payment failed
    (a late confirmation) moved money, so it is recorded and pays the invoice."""
    inv = invoice(organization)
    with run_on_commit(execute=True):
        pay(auth_api, inv, card_number="4000000000000002")
    reference = Payment.objects.get().provider_reference
    with run_on_commit(execute=True):
        _sandbox_post(client, _event("evt_late", "payment.succeeded", reference))
    late = WebhookEvent.objects.get(event_id="evt_late")
    assert late.status == "processed" and "failed → succeeded" in late.outcome
    assert Payment.objects.get().status == "succeeded"
    inv.refresh_from_db()
    assert inv.status == "paid" and inv.amount_paid == inv.total


def test_success_on_a_voided_invoice_goes_to_the_balance(client, auth_api, organization, run_on_commit):
    inv = invoice(organization)
    pay(auth_api, inv, card_number="4000002760003184")
    payment = Payment.objects.get()
    with pytest.raises(Conflict):  # not while a payment is in progress
        services.void_invoice(invoice=inv, reason="Order canceled")
    payments.cancel_payment(payment=payment)
    services.void_invoice(invoice=inv, reason="Order canceled")
    # The provider never saw the cancellation and reports a success.
    with run_on_commit(execute=True):
        assert _sandbox_post(client, _event("evt_v", "payment.succeeded", payment.provider_reference)).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.status == "processed" and "not_payable" in event.outcome
    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.discrepancies.get().credited_to_balance == inv.total
    inv.refresh_from_db()
    assert inv.status == "void" and inv.amount_paid == 0
    assert selectors.balance_for(organization=organization, currency="EUR") == inv.total


def test_payment_lists_query_counts_do_not_grow(auth_api, organization, django_assert_max_num_queries):
    for _ in range(6):
        inv = invoice(organization)
        payment, _ = payments.pay_invoice(
            organization=organization, invoice=inv, provider="sandbox", details={"card_number": "4000002760003184"}
        )
        payments.cancel_payment(payment=payment)
    for phone in ("+221770000001", "+221770000002", "+221770000003", "+221770000004"):
        payments.add_payment_method(organization=organization, provider="sandbox", details={"phone": phone, "operator": "wave"})
    for number in ("4242424242424242", "4000000000000002"):
        payments.add_payment_method(organization=organization, provider="sandbox", details={"card_number": number})
    with django_assert_max_num_queries(6):
        assert auth_api.get("/api/v1/billing/payments/").json()["count"] == 6
    with django_assert_max_num_queries(6):
        assert auth_api.get("/api/v1/billing/payment-methods/").json()["count"] == 6


def test_refund_refused_before_the_provider_when_already_credited(organization, run_on_commit, monkeypatch):
    inv = invoice(organization)
    with run_on_commit(execute=True):
        payment, _ = payments.pay_invoice(
            organization=organization, invoice=inv, provider="sandbox", details={"card_number": "4242424242424242"}
        )
    services.issue_credit_note(invoice=inv, amount=1000, reason="Correction")
    called = []
    monkeypatch.setattr(sandbox.SandboxProvider, "refund", lambda self, **kw: called.append(kw) or "sbx_re_x")
    with pytest.raises(ValidationFailed):
        payments.refund_payment(payment=payment, amount=inv.total)
    assert called == [] and Payment.objects.get().amount_refunded == 0
    payments.refund_payment(payment=payment, amount=inv.total - 1000)
    assert len(called) == 1


@pytest.mark.parametrize(
    ("code", "kept", "french"),
    [
        ("insufficient_funds", "The card has insufficient funds.", "La carte n'a pas de fonds suffisants."),
        ("do_not_honor", "Do not honor", "Motif donné par le prestataire de paiement\u00a0: Do not honor"),
        ("processing_error", "", "Le prestataire de paiement n’a pas donné de motif."),
    ],
)
def test_a_failure_reads_in_the_customers_language_even_when_the_provider_code_is_unknown(code, kept, french):
    """Staff keep the provider's words; a French customer reads a French sentence, quoting them
    when the code has no wording of ours."""
    message = {"insufficient_funds": "Your card has insufficient funds.", "do_not_honor": "Do not honor"}.get(code, "")
    assert failure_reason(code, message) == kept
    with translation.override("fr"):
        assert str(Payment(failure_code=code, failure_message=kept).failure_reason) == french
