"""Mobile money (Orange Money, Wave, MTN style) through an external backend over HTTP.

The contract is docs/mobile-money.md: we initiate with a phone number and an XOF amount, the
customer confirms on the phone, the backend calls our webhook signed with HMAC-SHA256 over
`<timestamp>.<raw body>`.
"""

import json
from functools import cache

import httpx
import phonenumbers
from babel.numbers import get_territory_currencies
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from billing import conf
from billing.models.payments import MOBILE_OPERATORS as OPERATORS
from billing.providers import signing
from billing.providers.base import BadSignature, Event, PaymentProvider, ProviderError, Result, SavedMethod
from core.errors import ValidationFailed

TIMESTAMP_HEADER, SIGNATURE_HEADER = "X-MM-Timestamp", "X-MM-Signature"


def normalize_phone(phone, currency=""):
    """The number in E.164 (+221771234567) if it is a valid international number, and, with
    `currency`, one of a country that pays in it: an operator only debits accounts of its
    country, in its currency, so a French number cannot pay an invoice in XOF."""
    try:
        number = phonenumbers.parse(str(phone or ""), None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationFailed(
            _("Enter the phone number in international form, e.g. +221 77 123 45 67."),
            code="invalid_phone",
            fields={"phone": [_("International form, e.g. +221771234567.")]},
        )
    region = phonenumbers.region_code_for_number(number)
    if currency and currency not in get_territory_currencies(region):
        codes = ", ".join(f"+{code}" for code in calling_codes_for(currency))
        raise ValidationFailed(
            _("Mobile money in %(currency)s takes numbers starting with %(codes)s: this one is from another country.")
            % {"currency": currency, "codes": codes},
            code="phone_country_mismatch",
            fields={"phone": [_("A number starting with %(codes)s.") % {"codes": codes}]},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@cache
def calling_codes_for(currency):
    """The calling codes of the countries whose currency is `currency` (XOF: +221, +223…)."""
    return sorted(
        {
            phonenumbers.country_code_for_region(region)
            for region in phonenumbers.SUPPORTED_REGIONS
            if currency in get_territory_currencies(region)
        }
    )


def mask_phone(phone):
    return f"{phone[:4]} •• ••• {phone[-4:-2]} {phone[-2:]}"


def check_operator(value):
    if value not in OPERATORS:
        raise ValidationFailed(
            _("Choose the operator: %(operators)s.") % {"operators": ", ".join(OPERATORS)},
            code="invalid_operator",
            fields={"operator": [_("Unknown operator.")]},
        )
    return value


class MobileMoneyProvider(PaymentProvider):
    name = "mobile_money"
    method_kinds = ("mobile_money",)

    def _request(self, path, payload=None, *, idempotency_key="", method="POST"):
        if not conf.MOBILE_MONEY_BASE_URL:
            raise ProviderError(_("Mobile money is not configured here."), code="provider_unavailable")
        headers = {"Authorization": f"Bearer {conf.MOBILE_MONEY_API_KEY}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = httpx.request(
                method, f"{conf.MOBILE_MONEY_BASE_URL}{path}", json=payload, headers=headers, timeout=conf.MOBILE_MONEY_TIMEOUT
            )
        except httpx.HTTPError:
            raise ProviderError(_("The mobile money operator could not be reached. Try again in a moment.")) from None
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 400:
            error = data.get("error") or {}
            raise ProviderError(
                error.get("message") or _("The mobile money operator refused the request."),
                code=error.get("code") or "provider_error",
            )
        return data

    def check(self, *, currency, method, details):
        if currency != "XOF":
            raise ValidationFailed(_("Mobile money is for invoices in XOF."), code="currency_not_supported")
        if method is None:
            normalize_phone(details.get("phone"), currency)
            check_operator(details.get("operator", ""))
        else:
            normalize_phone(method.provider_token, currency)

    def create_payment(self, *, payment, method, details, off_session=False):
        phone = method.provider_token if method else normalize_phone(details.get("phone"))
        operator = method.operator if method else details["operator"]
        data = self._request(
            "/v1/payments",
            {
                "reference": f"webox-payment-{payment.pk}",
                "amount": payment.amount,
                "currency": "XOF",
                "phone": phone,
                "operator": operator,
                "description": f"Invoice {payment.invoice.number}",
                "callback_url": settings.SITE_URL + reverse("billing-webhook", args=[self.name]),
            },
            idempotency_key=f"webox-payment-{payment.pk}",
        )
        return Result(
            status="failed" if data.get("status") == "failed" else "processing",
            reference=data["id"],
            failure_code=data.get("failure_code", ""),
            failure_message=data.get("failure_message", ""),
        )

    def payment_status(self, *, payment):
        data = self._request(f"/v1/payments/{payment.provider_reference}", method="GET")
        status = {"succeeded": "succeeded", "failed": "failed", "canceled": "canceled"}.get(data.get("status"), "processing")
        return Result(
            status=status,
            reference=payment.provider_reference,
            failure_code=data.get("failure_code", ""),
            failure_message=data.get("failure_message", ""),
            amount=data["amount"] if isinstance(data.get("amount"), int) else None,
            currency=str(data.get("currency") or ""),
        )

    def confirm_payment(self, *, payment, details):
        raise ValidationFailed(_("Mobile money payments are confirmed on the phone."), code="confirm_on_phone")

    def cancel_payment(self, *, payment):
        data = self._request(f"/v1/payments/{payment.provider_reference}/cancel", {})
        return Result(
            status="canceled" if data.get("status") == "canceled" else "processing", reference=payment.provider_reference
        )

    def refund(self, *, payment, amount, key):
        data = self._request(f"/v1/payments/{payment.provider_reference}/refunds", {"amount": amount}, idempotency_key=key)
        return data["id"]

    def save_method(self, *, organization, details, customer=""):
        phone = normalize_phone(details.get("phone"))
        operator = check_operator(details.get("operator", ""))
        return SavedMethod(kind="mobile_money", token=phone, phone_masked=mask_phone(phone), operator=operator, fingerprint=phone)

    def verify_webhook(self, *, body, headers):
        signing.verify(
            secret=conf.MOBILE_MONEY_WEBHOOK_SECRET,
            body=body,
            timestamp=headers.get(TIMESTAMP_HEADER),
            signature=headers.get(SIGNATURE_HEADER),
        )
        try:
            payload = json.loads(body)
        except ValueError:
            raise BadSignature("The webhook body is not JSON.", code="bad_payload") from None
        return self.parse_event(payload)

    def parse_event(self, payload):
        try:
            kind, inner = payload["type"], payload["data"]
            status = kind.split(".", 1)[1] if kind in ("payment.succeeded", "payment.failed", "payment.canceled") else ""
            reference = str(inner.get("reference", ""))
            ours = int(reference.removeprefix("webox-payment-")) if reference.removeprefix("webox-payment-").isdigit() else None
            return Event(
                event_id=payload["id"],
                event_type=kind,
                payment_reference=inner["payment_id"],
                payload=payload,
                status=status,
                failure_code=inner.get("failure_code", ""),
                failure_message=inner.get("failure_message", ""),
                payment_id=ours,
                amount=inner["amount"] if isinstance(inner.get("amount"), int) else None,
                currency=str(inner.get("currency") or ""),
            )
        except (KeyError, TypeError, AttributeError):
            raise BadSignature("The webhook body is not a mobile money event.", code="bad_payload") from None
