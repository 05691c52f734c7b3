"""The provider interface: one module per provider implements these methods.

Providers talk to the outside world only; billing.payments decides what a result means for the
payment, the invoice and the customer.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from core.errors import DomainError


class ProviderError(DomainError):
    """The provider refused or could not be reached: shown to the customer in words."""

    code = "provider_error"
    status = 422


class BadSignature(DomainError):
    code = "bad_signature"
    status = 400
    default_message = "The webhook signature is missing, invalid or too old."


@dataclass
class Result:
    """What the provider says about a payment: succeeded, processing, failed or canceled."""

    status: str
    reference: str = ""
    failure_code: str = ""
    failure_message: str = ""
    next_action_url: str = ""
    # What was captured, when the provider says (None/"": what was asked).
    amount: int | None = None
    currency: str = ""
    # What the provider keeps about the payment on its side, stored in the payment's metadata.
    provider_data: dict = field(default_factory=dict)


@dataclass
class SavedMethod:
    kind: str
    token: str
    customer: str = ""
    brand: str = ""
    last4: str = ""
    phone_masked: str = ""
    operator: str = ""
    exp_month: int | None = None
    exp_year: int | None = None
    # The same card or phone saved twice has the same fingerprint (kept once per organization).
    fingerprint: str = ""


@dataclass
class Event:
    """A verified webhook: its provider id, type, the payment it is about and what happened."""

    event_id: str
    event_type: str
    payment_reference: str
    payload: dict = field(default_factory=dict)
    payment_id: int | None = None  # ours, when the provider echoes it back (metadata, reference)
    status: str = ""  # succeeded / failed / canceled / processing, or "" when the event changes nothing
    failure_code: str = ""
    failure_message: str = ""
    # What the provider says it captured (None/"" when the event does not say).
    amount: int | None = None
    currency: str = ""


class PaymentProvider(ABC):
    name = ""
    method_kinds = ()  # the MethodKind values it accepts
    test_mode = False

    @abstractmethod
    def check(self, *, currency, method, details):
        """Refuse bad input (ValidationFailed) before any payment row exists or any call is made."""

    @abstractmethod
    def create_payment(self, *, payment, method, details, off_session=False):
        """Start charging `payment.amount`; `method` is a saved PaymentMethod or None with `details`.
        `off_session`: the customer is not there (a renewal), so a second step cannot be asked of
        them: the provider answers failed with the code `authentication_required` instead."""

    @abstractmethod
    def payment_status(self, *, payment):
        """Where a payment in flight stands at the provider (the poller asks; webhooks are hints)."""

    @abstractmethod
    def confirm_payment(self, *, payment, details):
        """Complete a payment waiting for a second step (e.g. 3-D Secure)."""

    @abstractmethod
    def cancel_payment(self, *, payment):
        """Cancel a payment that has not succeeded yet."""

    @abstractmethod
    def refund(self, *, payment, amount, key):
        """Refund `amount` of a succeeded payment; returns the provider's refund reference. `key`
        names this refund: sent as the idempotency key, so a retried call never refunds twice."""

    @abstractmethod
    def save_method(self, *, organization, details, customer=""):
        """Turn what the customer entered (a provider token, a phone number) into a SavedMethod."""

    @abstractmethod
    def verify_webhook(self, *, body, headers):
        """Check the signature of the raw `body` (BadSignature otherwise) and return an Event."""

    @abstractmethod
    def parse_event(self, payload):
        """The Event of a verified payload (a dict), also used when a stored event is processed."""
