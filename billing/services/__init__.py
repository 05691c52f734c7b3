"""Every billing write, one module per concern:

- invoices: create, finalize, pay, record what a provider captured, record a failed payment,
  mark uncollectible
- credit_notes: credit (to the balance what was already paid), void, a refund's credit note
- balance: the customer balance's ledger, credited and applied to invoices
- delivery: invoice and credit-note PDFs and their emails and notifications
- charges: charges waiting for the next subscription invoice
- subscriptions: subscribe, preview and change plan (and undo it), cancel, resume, suspend, reactivate, renew one period

Prices and periods are computed in billing.pricing, handlers registered in billing.handlers,
batch renewals and trial ends run in billing.recurring. This package re-exports the functions
other apps and billing's pages call (docs/architecture.md), so they import `billing.services`.
"""

from billing.handlers import (
    register_invoice_paid_handler,
    register_invoice_refunded_handler,
    register_invoice_voided_handler,
    register_revenue_changed_handler,
    register_subscription_changed_handler,
)
from billing.pricing import LineSpec, period_label, platform_today
from billing.services.charges import add_pending_charge
from billing.services.credit_notes import issue_credit_note, refund_to_credit_note, void_invoice
from billing.services.currency import migrate_currency
from billing.services.delivery import (
    resend_invoice,
    send_credit_note_issued,
    send_invoice_issued,
    store_credit_note_pdf,
    store_invoice_pdf,
)
from billing.services.invoices import (
    apply_balance,
    create_invoice,
    finalize_invoice,
    mark_invoice_paid,
    mark_uncollectible,
    record_capture,
    record_payment_failure,
)
from billing.services.subscriptions import (
    cancel_subscription,
    change_plan,
    extend_trial,
    first_paid_period,
    first_period_invoice,
    mark_past_due,
    preview_plan_change,
    reactivate_subscription,
    renew_subscription,
    resume_subscription,
    set_calendar_billing,
    subscribe,
    suspend_subscription,
    undo_plan_change,
)

__all__ = [
    "LineSpec",
    "add_pending_charge",
    "apply_balance",
    "cancel_subscription",
    "change_plan",
    "create_invoice",
    "extend_trial",
    "finalize_invoice",
    "first_paid_period",
    "first_period_invoice",
    "issue_credit_note",
    "mark_invoice_paid",
    "migrate_currency",
    "mark_past_due",
    "mark_uncollectible",
    "period_label",
    "platform_today",
    "preview_plan_change",
    "reactivate_subscription",
    "record_capture",
    "record_payment_failure",
    "refund_to_credit_note",
    "register_invoice_paid_handler",
    "register_invoice_refunded_handler",
    "register_invoice_voided_handler",
    "register_revenue_changed_handler",
    "register_subscription_changed_handler",
    "renew_subscription",
    "resend_invoice",
    "resume_subscription",
    "send_credit_note_issued",
    "send_invoice_issued",
    "set_calendar_billing",
    "store_credit_note_pdf",
    "store_invoice_pdf",
    "subscribe",
    "suspend_subscription",
    "undo_plan_change",
    "void_invoice",
]
