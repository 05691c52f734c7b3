"""The sandbox: a test-mode provider that works offline.

Outcomes follow documented test card numbers, as card processors do. Like a real provider it
answers "processing" and then sends the outcome as a signed webhook (delivered by a Celery task
through the same verification as any other provider's webhook).
"""

import json
import secrets
import time

from django.db import transaction
from django.urls import reverse

from billing import conf
from billing.providers import signing
from billing.providers.base import BadSignature, Event, PaymentProvider, Result, SavedMethod
from core.errors import ValidationFailed

SUCCESS, REQUIRES_ACTION = "succeeded", "requires_action"

# number: (outcome, failure code, failure message). Shown on every sandbox page (documented_cards).
TEST_CARDS = {
    "4242424242424242": (SUCCESS, "", ""),
    "4000000000000002": ("failed", "card_declined", "The card was declined by the bank."),
    "4000000000009995": ("failed", "insufficient_funds", "The card has insufficient funds."),
    "4000002760003184": (REQUIRES_ACTION, "", ""),
    "4000000000009987": ("failed", "lost_card", "The card was reported lost."),
    "4000000000009979": ("failed", "stolen_card", "The card was reported stolen."),
}
OUTCOME_LABELS = {
    "4242424242424242": "Succeeds",
    "4000000000000002": "Declined by the bank",
    "4000000000009995": "Fails: insufficient funds",
    "4000002760003184": "Asks for a second confirmation step",
    "4000000000009987": "Fails: card reported lost (no automatic retry)",
    "4000000000009979": "Fails: card reported stolen (no automatic retry)",
}


def documented_cards():
    return [(" ".join(number[i : i + 4] for i in range(0, 16, 4)), OUTCOME_LABELS[number]) for number in TEST_CARDS]


SIGNATURE_HEADER = "X-Sandbox-Signature"

# The task that delivers an event to our webhook endpoint. It lives with the webhook handling
# (billing.payments.webhooks), above the providers, and billing's AppConfig.ready() sets it.
_webhook_delivery = None


def deliver_webhooks_with(task):
    global _webhook_delivery
    _webhook_delivery = task


def _outcome(number):
    number = "".join(ch for ch in str(number) if ch.isdigit())
    if number not in TEST_CARDS:
        raise ValidationFailed(
            "Test mode: use one of the sandbox test card numbers shown on the page.",
            code="invalid_test_card",
            fields={"card_number": ["Not a sandbox test card number."]},
        )
    return number, TEST_CARDS[number]


def _number_of(method, details):
    if method is not None:
        return next(n for n in TEST_CARDS if n.endswith(method.last4))
    return details.get("card_number", "")


class SandboxProvider(PaymentProvider):
    name = "sandbox"
    method_kinds = ("sandbox",)
    test_mode = True

    def check(self, *, currency, method, details):
        _outcome(_number_of(method, details))

    def create_payment(self, *, payment, method, details):
        _, (outcome, code, message) = _outcome(_number_of(method, details))
        reference = f"sbx_pay_{secrets.token_hex(8)}"
        if outcome == REQUIRES_ACTION:
            return Result(
                status="processing", reference=reference, next_action_url=reverse("billing:sandbox_confirm", args=[payment.pk])
            )
        self._send_later(payment.pk, reference, outcome, code, message)
        return Result(status="processing", reference=reference)

    def confirm_payment(self, *, payment, details):
        if details.get("approve"):
            self._send_later(payment.pk, payment.provider_reference, SUCCESS, "", "")
        else:
            self._send_later(
                payment.pk,
                payment.provider_reference,
                "failed",
                "authentication_failed",
                "The second confirmation step was refused.",
            )
        return Result(status="processing", reference=payment.provider_reference)

    def cancel_payment(self, *, payment):
        return Result(status="canceled", reference=payment.provider_reference or "")

    def refund(self, *, payment, amount):
        return f"sbx_re_{secrets.token_hex(8)}"

    def save_method(self, *, organization, details, customer=""):
        number, _ = _outcome(details.get("card_number", ""))
        return SavedMethod(
            kind="sandbox",
            token=f"sbx_card_{number[-4:]}_{secrets.token_hex(6)}",
            brand="Sandbox card",
            last4=number[-4:],
            exp_month=12,
            exp_year=2030,
        )

    def verify_webhook(self, *, body, headers):
        parts = dict(part.split("=", 1) for part in headers.get(SIGNATURE_HEADER, "").split(",") if "=" in part)
        signing.verify(secret=conf.SANDBOX_WEBHOOK_SECRET, body=body, timestamp=parts.get("t"), signature=parts.get("v1"))
        return self.parse_event(json_body(body))

    def parse_event(self, payload):
        try:
            kind, inner = payload["type"], payload["data"]
            status = kind.split(".", 1)[1] if kind.startswith("payment.") else ""
            return Event(
                event_id=payload["id"],
                event_type=kind,
                payment_reference=inner["reference"],
                payload=payload,
                status=status,
                failure_code=inner.get("failure_code", ""),
                failure_message=inner.get("failure_message", ""),
                payment_id=inner.get("payment_id"),
            )
        except (KeyError, TypeError, AttributeError):
            raise BadSignature("The webhook body is not a sandbox event.", code="bad_payload") from None

    def _send_later(self, payment_id, reference, outcome, code, message):
        event = {
            "id": f"evt_sbx_{secrets.token_hex(8)}",
            "type": f"payment.{outcome}",
            "data": {"reference": reference, "payment_id": payment_id, "failure_code": code, "failure_message": message},
        }
        transaction.on_commit(lambda: _webhook_delivery.delay(event))


def signed_delivery(event):
    """The raw body and headers the sandbox sends, as a real provider would."""
    body = json.dumps(event, separators=(",", ":")).encode()
    timestamp = int(time.time())
    header = f"t={timestamp},v1={signing.sign(conf.SANDBOX_WEBHOOK_SECRET, timestamp, body)}"
    return body, {SIGNATURE_HEADER: header}


def json_body(body):
    try:
        return json.loads(body)
    except ValueError:
        raise BadSignature("The webhook body is not JSON.", code="bad_payload") from None
