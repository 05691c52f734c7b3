"""Payments: paying invoices through a provider (services), provider webhooks (webhooks), saved
payment methods (methods). Reads (a payment, a method) are in billing.selectors.

This package re-exports what pages, the API and other apps call.
"""

from billing.payments.methods import add_payment_method, remove_payment_method, set_default_payment_method
from billing.payments.services import (
    cancel_payment,
    charge_default_method,
    confirm_payment,
    pay_invoice,
    poll_payment,
    poll_pending_payments,
    refund_balance,
    refund_invoice,
    refund_payment,
)
from billing.payments.webhooks import receive_webhook

__all__ = [
    "add_payment_method",
    "cancel_payment",
    "charge_default_method",
    "confirm_payment",
    "pay_invoice",
    "poll_payment",
    "poll_pending_payments",
    "refund_balance",
    "receive_webhook",
    "refund_invoice",
    "refund_payment",
    "remove_payment_method",
    "set_default_payment_method",
]
