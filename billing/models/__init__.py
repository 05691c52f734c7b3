"""Billing tables, one module per concern: plans, subscriptions, invoicing (invoices, their lines,
numbering and pending charges), credit notes, payments and dunning."""

from billing.models.credit_notes import CreditNote, CreditNoteLine
from billing.models.dunning import DEFAULT_STEPS, DunningAction, DunningEvent, DunningPolicy, DunningStep
from billing.models.invoicing import INVOICE_MACHINE, Invoice, InvoiceLine, NumberSequence, PendingCharge
from billing.models.payments import PAYMENT_MACHINE, MethodKind, Payment, PaymentMethod, Provider, Refund, WebhookEvent
from billing.models.plans import CURRENCIES, Interval, Plan, PlanPrice, SupportPriority, Tier
from billing.models.subscriptions import SUBSCRIPTION_MACHINE, BillingSettings, Subscription

__all__ = [
    "CURRENCIES",
    "BillingSettings",
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
    "PendingCharge",
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
