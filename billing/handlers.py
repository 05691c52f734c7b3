"""What other apps (and billing itself) run when an invoice of a source is paid, voided or refunded.

Apps register in their AppConfig.ready() (docs/architecture.md); the invoice services call the
handlers in the transaction of the change, so a handler that fails rolls the change back.
"""

from collections import defaultdict

from django.utils.translation import gettext as _

from billing.models import Invoice
from core.errors import ValidationFailed

_paid_handlers = defaultdict(list)
_voided_handlers = defaultdict(list)
_refunded_handlers = defaultdict(list)
_subscription_handlers = []


def register_invoice_paid_handler(source_type, handler):
    """handler(invoice) runs once, inside the transaction that marks the invoice paid."""
    check_source_type(source_type)
    if handler not in _paid_handlers[source_type]:
        _paid_handlers[source_type].append(handler)
    return handler


def register_invoice_voided_handler(source_type, handler):
    """handler(invoice) runs once, when an invoice of that source is voided (release what it held)."""
    check_source_type(source_type)
    if handler not in _voided_handlers[source_type]:
        _voided_handlers[source_type].append(handler)
    return handler


def register_invoice_refunded_handler(source_type, handler):
    """handler(invoice, amount) runs in the refund's transaction, once per refund of that source."""
    check_source_type(source_type)
    if handler not in _refunded_handlers[source_type]:
        _refunded_handlers[source_type].append(handler)
    return handler


def register_subscription_changed_handler(handler):
    """handler(organization) runs in the transaction of every change of a subscription's period,
    plan or status (subscribe, renewal, trial end, plan change, cancel, suspension, reactivation)
    and when one of its invoices is paid: generation grants and expires plan credits from it."""
    if handler not in _subscription_handlers:
        _subscription_handlers.append(handler)
    return handler


def subscription_changed(subscription):
    for handler in _subscription_handlers:
        handler(subscription.organization)


def check_source_type(source_type):
    if source_type not in Invoice.Source.values:
        raise ValidationFailed(_("Unknown invoice source “%(source)s”.") % {"source": source_type}, code="invalid_source_type")


def invoice_paid(invoice):
    for handler in _paid_handlers[invoice.source_type]:
        handler(invoice)


def invoice_voided(invoice):
    for handler in _voided_handlers[invoice.source_type]:
        handler(invoice)


def invoice_refunded(invoice, amount):
    for handler in _refunded_handlers[invoice.source_type]:
        handler(invoice, amount)
