"""What other apps (and billing itself) run when an invoice of a source is paid, voided or refunded,
when a subscription changes, and when billing's revenue figures move.

Apps register in their AppConfig.ready() (docs/architecture.md); billing's services call the
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
_revenue_handlers = []


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


def register_revenue_changed_handler(handler):
    """handler(*, organization_id, recurring) runs in the transaction of every billing write that
    moves a revenue figure, whether the write is a save or a queryset update: recurring=True when
    what subscriptions bring each period may have moved (a subscription's plan, status or coupon
    cycles; organization_id None: a plan's prices, for every subscription on it), recurring=False
    when money moved (an invoice issued, paid, credited, voided or written off, a payment or a
    refund settled). The back office refreshes its figures and its MRR history from it."""
    if handler not in _revenue_handlers:
        _revenue_handlers.append(handler)
    return handler


def subscription_changed(subscription):
    for handler in _subscription_handlers:
        handler(subscription.organization)
    revenue_changed(organization_id=subscription.organization_id, recurring=True)


def revenue_changed(*, organization_id=None, recurring=False):
    for handler in _revenue_handlers:
        handler(organization_id=organization_id, recurring=recurring)


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
