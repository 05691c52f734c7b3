"""Billing tables, one module per concern: plans, subscriptions, invoicing (invoices, their lines,
numbering and pending charges), credit notes, the customer balance, payments and dunning."""

from billing.models.balance import BalanceAccount, BalanceEntry
from billing.models.credit_notes import CreditNote, CreditNoteLine
from billing.models.dunning import DEFAULT_STEPS, DunningAction, DunningEvent, DunningPolicy, DunningStep
from billing.models.invoicing import (
    INVOICE_MACHINE,
    DistanceSalesYear,
    Invoice,
    InvoiceLine,
    NumberSequence,
    PendingCharge,
    TaxBasis,
)
from billing.models.payments import (
    PAYMENT_MACHINE,
    REFUND_MACHINE,
    MethodKind,
    Payment,
    PaymentDiscrepancy,
    PaymentMethod,
    Provider,
    Refund,
    WebhookEvent,
)
from billing.models.plans import CURRENCIES, Interval, Plan, PlanPrice, SupportPriority, Tier
from billing.models.subscriptions import SUBSCRIPTION_MACHINE, BillingSettings, Subscription

__all__ = [
    "CURRENCIES",
    "REFUND_MACHINE",
    "BalanceAccount",
    "BalanceEntry",
    "PaymentDiscrepancy",
    "BillingSettings",
    "INVOICE_MACHINE",
    "PAYMENT_MACHINE",
    "SUBSCRIPTION_MACHINE",
    "DEFAULT_STEPS",
    "CreditNote",
    "DistanceSalesYear",
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
    "TaxBasis",
    "Tier",
    "WebhookEvent",
]
