"""Stripe cards through the official library: PaymentIntents, saved payment methods, refunds,
and webhooks checked with the library's signature verification. Keys come from the environment."""

import stripe as stripe_sdk
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from billing import conf
from billing.providers.base import BadSignature, Event, PaymentProvider, ProviderError, Result, SavedMethod
from core.errors import ValidationFailed

# PaymentIntent status -> what it means for our payment.
STATUSES = {
    "succeeded": "succeeded",
    "processing": "processing",
    "requires_action": "processing",
    "requires_confirmation": "processing",
    "requires_capture": "processing",
    "requires_payment_method": "failed",
    "canceled": "canceled",
}
EVENT_STATUSES = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "payment_intent.canceled": "canceled",
    "payment_intent.processing": "processing",
}


def client():
    if not conf.STRIPE_SECRET_KEY:
        raise ProviderError(_("Card payments by Stripe are not configured here."), code="provider_unavailable")
    return stripe_sdk.StripeClient(conf.STRIPE_SECRET_KEY, http_client=stripe_sdk.HTTPXClient(allow_sync_methods=True))


def _call(method, *args, **kwargs):
    try:
        return method(*args, **kwargs)
    except stripe_sdk.CardError:
        raise
    except stripe_sdk.StripeError as exc:
        raise ProviderError(exc.user_message or _("The card processor could not be reached. Try again later.")) from None


def _result(intent):
    intent = intent.to_dict()
    status = STATUSES.get(intent["status"], "processing")
    received = intent.get("amount_received") if status == "succeeded" else None
    error = intent.get("last_payment_error") or {}
    next_action = intent.get("next_action") or {}
    redirect = (next_action.get("redirect_to_url") or {}).get("url", "")
    return Result(
        status=status,
        reference=intent["id"],
        failure_code=error.get("decline_code") or error.get("code") or "",
        failure_message=error.get("message", ""),
        next_action_url=redirect,
        amount=received,
        currency=str(intent.get("currency") or "").upper() if received is not None else "",
    )


class StripeProvider(PaymentProvider):
    name = "stripe"
    method_kinds = ("card",)

    def check(self, *, currency, method, details):
        if method is None and not str(details.get("payment_method", "")).startswith("pm_"):
            raise ValidationFailed(
                _("A Stripe payment method (pm_…) is required."),
                code="invalid_payment_method",
                fields={"payment_method": [_("Expected a Stripe payment method id.")]},
            )

    def create_payment(self, *, payment, method, details, off_session=False):
        payment_method = method.provider_token if method else details["payment_method"]
        params = {
            "amount": payment.amount,
            "currency": payment.currency.lower(),
            "payment_method": payment_method,
            "confirm": True,
            # Cards only; a bank's 3-D Secure step comes back as a redirect to follow, then to return_url.
            "payment_method_types": ["card"],
            "description": f"Invoice {payment.invoice.number}",
            "metadata": {"payment_id": str(payment.pk), "invoice": payment.invoice.number or ""},
        }
        if off_session:
            # A renewal: the customer is not there. A bank that wants them fails the intent with
            # `authentication_required` and billing emails them the pay page instead.
            params["off_session"] = True
        else:
            params["return_url"] = settings.SITE_URL + reverse("billing:payment_detail", args=[payment.pk])
        if method and method.provider_customer:
            params["customer"] = method.provider_customer
        try:
            intent = _call(
                client().v1.payment_intents.create, params=params, options={"idempotency_key": f"webox-payment-{payment.pk}"}
            )
        except stripe_sdk.CardError as exc:
            intent_id = ((exc.json_body or {}).get("error") or {}).get("payment_intent", {}).get("id", "")
            return Result(
                status="failed",
                reference=intent_id,
                failure_code=exc.error.decline_code or exc.code or "card_error",
                failure_message=exc.user_message or "The card was declined.",
            )
        return _result(intent)

    def confirm_payment(self, *, payment, details):
        return _result(_call(client().v1.payment_intents.confirm, payment.provider_reference))

    def payment_status(self, *, payment):
        return _result(_call(client().v1.payment_intents.retrieve, payment.provider_reference))

    def cancel_payment(self, *, payment):
        return _result(_call(client().v1.payment_intents.cancel, payment.provider_reference))

    def refund(self, *, payment, amount, key):
        refund = _call(
            client().v1.refunds.create,
            params={"payment_intent": payment.provider_reference, "amount": amount},
            options={"idempotency_key": key},
        )
        return refund.id

    def save_method(self, *, organization, details, customer=""):
        token = details.get("payment_method", "")
        if not token.startswith("pm_"):
            raise ValidationFailed(_("A Stripe payment method (pm_…) is required."), code="invalid_payment_method")
        api = client()
        if not customer:
            customer = _call(
                api.v1.customers.create,
                params={
                    "name": organization.display_legal_name,
                    "email": organization.billing_email or None,
                    "metadata": {"organization": str(organization.pk)},
                },
            ).id
        method = _call(api.v1.payment_methods.attach, token, params={"customer": customer})
        card = method.to_dict().get("card") or {}
        return SavedMethod(
            kind="card",
            token=method.id,
            customer=customer,
            brand=(card.get("brand") or "card").title(),
            last4=card.get("last4", ""),
            exp_month=card.get("exp_month"),
            exp_year=card.get("exp_year"),
            fingerprint=card.get("fingerprint", ""),
        )

    def verify_webhook(self, *, body, headers):
        try:
            event = stripe_sdk.Webhook.construct_event(
                body,
                headers.get("Stripe-Signature"),
                conf.STRIPE_WEBHOOK_SECRET or None,
                tolerance=conf.WEBHOOK_TOLERANCE_SECONDS,
            )
        except (stripe_sdk.SignatureVerificationError, ValueError, TypeError, AttributeError):
            raise BadSignature() from None
        return self.parse_event(event.to_dict())

    def parse_event(self, payload):
        obj = payload["data"]["object"]
        error = obj.get("last_payment_error") or {}
        is_intent = payload["type"].startswith("payment_intent.")
        ours = (obj.get("metadata") or {}).get("payment_id", "")
        received = obj.get("amount_received") if payload["type"] == "payment_intent.succeeded" else None
        return Event(
            event_id=payload["id"],
            event_type=payload["type"],
            payment_reference=obj.get("id", "") if is_intent else "",
            payload=payload,
            status=EVENT_STATUSES.get(payload["type"], ""),
            failure_code=error.get("decline_code") or error.get("code") or "",
            failure_message=error.get("message", ""),
            payment_id=int(ours) if is_intent and str(ours).isdigit() else None,
            amount=received if isinstance(received, int) else None,
            currency=str(obj.get("currency") or "").upper() if isinstance(received, int) else "",
        )
