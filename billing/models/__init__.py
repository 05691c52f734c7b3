"""Billing tables: invoicing (plans, subscriptions, invoices, credit notes) and payments."""

from billing.models.dunning import DEFAULT_STEPS, DunningAction, DunningEvent, DunningPolicy, DunningStep
from billing.models.invoicing import (
    CURRENCIES,
    INVOICE_MACHINE,
    SUBSCRIPTION_MACHINE,
    CreditNote,
    CreditNoteLine,
    Interval,
    Invoice,
    InvoiceLine,
    NumberSequence,
    Plan,
    PlanPrice,
    Subscription,
    SupportPriority,
    Tier,
)
from billing.models.payments import PAYMENT_MACHINE, MethodKind, Payment, PaymentMethod, Provider, Refund, WebhookEvent

__all__ = [
    "CURRENCIES",
    "INVOICE_MACHINE",
    "PAYMENT_MACHINE",
    "SUBSCRIPTION_MACHINE",
    "DEFAULT_STEPS",
    "CreditNote",
    "DunningAction",
    "DunningEvent",
    "DunningPolicy",
    "DunningStep",
    "CreditNoteLine",
    "Interval",
    "Invoice",
    "InvoiceLine",
    "MethodKind",
    "NumberSequence",
    "Payment",
    "PaymentMethod",
    "Plan",
    "PlanPrice",
    "Provider",
    "Refund",
    "Subscription",
    "SupportPriority",
    "Tier",
    "WebhookEvent",
]
