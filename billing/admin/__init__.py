"""Back office for billing, one module per concern. Statuses change only through actions that
call billing's services (billing.admin.actions runs and audits them); finalized invoices and
credit notes are read-only (corrections go through a credit note)."""

from billing.admin import balance, dunning, invoices, payments, plans, subscriptions

__all__ = ["balance", "dunning", "invoices", "payments", "plans", "subscriptions"]
