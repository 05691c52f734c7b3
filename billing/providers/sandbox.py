"""The sandbox: a test-mode provider that works offline, for cards and for mobile money.

Outcomes follow documented test card numbers and test phone numbers, as card processors and
mobile-money aggregators do. Like a real provider it answers "processing" and then sends the
outcome as a signed webhook (delivered by a Celery task through the same verification as any
other provider's webhook). Like a real provider, its status is the truth: `payment_status`
reports the outcome it decided (read back from the reference it gave, which names the test card
or phone, and for a second confirmation step from the decision kept with the payment), so the
status poller settles a payment whose webhook was lost (a worker killed while delivering it).
"""

import hashlib
import json
import secrets
import time
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing import conf
from billing.providers import signing
from billing.providers.base import BadSignature, Event, PaymentProvider, Result, SavedMethod
from billing.providers.mobile_money import check_operator, mask_phone, normalize_phone
from core.errors import ValidationFailed
from core.tasks import enqueue

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
    "4242424242424242": gettext_lazy("Succeeds"),
    "4000000000000002": gettext_lazy("Declined by the bank"),
    "4000000000009995": gettext_lazy("Fails: insufficient funds"),
    "4000002760003184": gettext_lazy("Asks for a second confirmation step"),
    "4000000000009987": gettext_lazy("Fails: card reported lost (no automatic retry)"),
    "4000000000009979": gettext_lazy("Fails: card reported stolen (no automatic retry)"),
}


# The second confirmation step's outcomes; the decision is kept with the payment (the sandbox
# has no storage of its own) so that its status poll reports it as a real provider would.
DECISION = "sandbox_confirmation"
CONFIRMATION = {
    "approved": (SUCCESS, "", ""),
    "refused": ("failed", "authentication_failed", "The second confirmation step was refused."),
}


def documented_cards():
    return [(" ".join(number[i : i + 4] for i in range(0, 16, 4)), OUTCOME_LABELS[number]) for number in TEST_CARDS]


# Mobile money: the customer "confirms on the phone" (nothing to do in the sandbox); the number
# decides what happens next. A payment still unconfirmed after MOBILE_TIMEOUT has timed out.
PHONE_SUCCESS, PHONE_REFUSED, PHONE_TIMEOUT, PHONE_CALLBACK_LOST = (
    "+221770000001",
    "+221770000002",
    "+221770000003",
    "+221770000004",
)
TEST_PHONES = {
    PHONE_SUCCESS: (SUCCESS, "", "", gettext_lazy("Confirmed on the phone: the payment succeeds")),
    PHONE_REFUSED: (
        "failed",
        "canceled_by_customer",
        "The payment was refused on the phone.",
        gettext_lazy("Refused on the phone: the payment fails"),
    ),
    PHONE_TIMEOUT: (
        "timeout",
        "timeout",
        "The payment was not confirmed on the phone in time.",
        gettext_lazy("Never confirmed: pending, then failed (time-out) when the status is polled"),
    ),
    PHONE_CALLBACK_LOST: (
        "lost",
        "",
        "",
        gettext_lazy("Confirmed, but the callback is lost: pending until the status poller finds it paid"),
    ),
}
MOBILE_TIMEOUT = timedelta(minutes=2)


def documented_phones():
    return [(f"{p[:4]} {p[4:6]} {p[6:9]} {p[9:11]} {p[11:]}", label) for p, (_o, _c, _m, label) in TEST_PHONES.items()]


def _phone_outcome(phone, currency=""):
    phone = normalize_phone(phone, currency)
    if phone not in TEST_PHONES:
        raise ValidationFailed(
            _("Test mode: use one of the sandbox test phone numbers shown on the page."),
            code="invalid_test_phone",
            fields={"phone": [_("Not a sandbox test phone number.")]},
        )
    return phone, TEST_PHONES[phone]


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
            _("Test mode: use one of the sandbox test card numbers shown on the page."),
            code="invalid_test_card",
            fields={"card_number": [_("Not a sandbox test card number.")]},
        )
    return number, TEST_CARDS[number]


def _is_mobile(method, details):
    # billing.payments hands a mobile-money payment its phone field (empty when none was typed).
    return (method.kind == "mobile_money") if method is not None else "phone" in details


def _number_of(method, details):
    if method is not None:
        return next(n for n in TEST_CARDS if n.endswith(method.last4))
    return details.get("card_number", "")


class SandboxProvider(PaymentProvider):
    name = "sandbox"
    method_kinds = ("sandbox", "mobile_money")
    test_mode = True

    def check(self, *, currency, method, details):
        if _is_mobile(method, details):
            if currency != "XOF":
                raise ValidationFailed(_("Mobile money is for invoices in XOF."), code="currency_not_supported")
            if method is None:
                _phone_outcome(details.get("phone"), currency)
                check_operator(details.get("operator", ""))
            else:
                _phone_outcome(method.provider_token, currency)
            return
        _outcome(_number_of(method, details))

    def create_payment(self, *, payment, method, details, off_session=False):
        if _is_mobile(method, details):
            return self._create_mobile(payment, method, details)
        number, (outcome, code, message) = _outcome(_number_of(method, details))
        # The reference names the test card, so the status poll can answer with its outcome later.
        reference = f"sbx_cpay_{number[-4:]}_{secrets.token_hex(8)}"
        if outcome == REQUIRES_ACTION and off_session:
            # As Stripe does off session: no second step can be asked, the bank's demand is the failure.
            return Result(
                status="failed",
                reference=reference,
                failure_code="authentication_required",
                failure_message="The bank asks the cardholder to confirm this payment.",
            )
        if outcome == REQUIRES_ACTION:
            return Result(
                status="processing", reference=reference, next_action_url=reverse("billing:sandbox_confirm", args=[payment.pk])
            )
        self._send_later(payment, reference, outcome, code, message)
        return Result(status="processing", reference=reference)

    def _create_mobile(self, payment, method, details):
        phone = method.provider_token if method else details["phone"]
        phone, (outcome, code, message, _label) = _phone_outcome(phone)
        # The reference carries the number's outcome, so the status poller can answer for it later.
        reference = f"sbx_mm_{phone[-2:]}_{secrets.token_hex(8)}"
        if outcome in (SUCCESS, "failed"):
            self._send_later(payment, reference, outcome, code, message)
        return Result(status="processing", reference=reference)

    def payment_status(self, *, payment):
        reference = payment.provider_reference or ""
        if reference.startswith("sbx_cpay_"):
            return self._card_status(payment, reference)
        if not reference.startswith("sbx_mm_"):
            return Result(status="processing", reference=reference)
        phone = next(p for p in TEST_PHONES if p.endswith(reference[7:9]))
        outcome, code, message, _label = TEST_PHONES[phone]
        if outcome in (SUCCESS, "lost"):
            return Result(status="succeeded", reference=reference, amount=payment.amount, currency=payment.currency)
        if outcome == "failed" or timezone.now() - payment.created_at >= MOBILE_TIMEOUT:
            return Result(status="failed", reference=reference, failure_code=code, failure_message=message)
        return Result(status="processing", reference=reference)

    def _card_status(self, payment, reference):
        number = next(n for n in TEST_CARDS if n.endswith(reference[9:13]))
        outcome, code, message = TEST_CARDS[number]
        if outcome == REQUIRES_ACTION:
            outcome, code, message = CONFIRMATION.get(payment.metadata.get(DECISION), ("processing", "", ""))
        if outcome == SUCCESS:
            return Result(status="succeeded", reference=reference, amount=payment.amount, currency=payment.currency)
        if outcome == "failed":
            return Result(status="failed", reference=reference, failure_code=code, failure_message=message)
        return Result(status="processing", reference=reference)

    def confirm_payment(self, *, payment, details):
        decision = "approved" if details.get("approve") else "refused"
        self._send_later(payment, payment.provider_reference, *CONFIRMATION[decision])
        return Result(status="processing", reference=payment.provider_reference, provider_data={DECISION: decision})

    def cancel_payment(self, *, payment):
        return Result(status="canceled", reference=payment.provider_reference or "")

    def refund(self, *, payment, amount, key):
        return f"sbx_re_{secrets.token_hex(8)}"

    def save_method(self, *, organization, details, customer=""):
        if "phone" in details:
            phone, _outcome_info = _phone_outcome(details["phone"])
            return SavedMethod(
                kind="mobile_money",
                token=phone,
                phone_masked=mask_phone(phone),
                operator=check_operator(details.get("operator", "")),
                fingerprint=phone,
            )
        number, _outcome_info = _outcome(details.get("card_number", ""))
        return SavedMethod(
            kind="sandbox",
            token=f"sbx_card_{number[-4:]}_{secrets.token_hex(6)}",
            brand="Sandbox card",
            last4=number[-4:],
            exp_month=12,
            exp_year=2030,
            # Like a processor's card fingerprint: the same number gives the same value, never the number.
            fingerprint=hashlib.sha256(f"sandbox-card:{number}".encode()).hexdigest()[:32],
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
                amount=inner.get("amount") if isinstance(inner.get("amount"), int) else None,
                currency=str(inner.get("currency") or ""),
            )
        except (KeyError, TypeError, AttributeError):
            raise BadSignature("The webhook body is not a sandbox event.", code="bad_payload") from None

    def _send_later(self, payment, reference, outcome, code, message):
        event = {
            "id": f"evt_sbx_{secrets.token_hex(8)}",
            "type": f"payment.{outcome}",
            "data": {
                "reference": reference,
                "payment_id": payment.pk,
                "amount": payment.amount,
                "currency": payment.currency,
                "failure_code": code,
                "failure_message": message,
            },
        }
        enqueue(_webhook_delivery, event)


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
