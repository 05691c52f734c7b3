"""Read-only listening to billing: refresh the cached figures and record the MRR history.

Billing's models are never written here; only the back office's own rows and cache keys."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from backoffice import cache, metrics


def _figures_changed(sender, **kwargs):
    transaction.on_commit(cache.bump)


def _subscription_changed(sender, instance, **kwargs):
    # In the same transaction as the change, so the history never disagrees with billing.
    metrics.record_mrr(organization_ids=[instance.organization_id])
    transaction.on_commit(cache.bump)


def _invoice_changed(sender, instance, **kwargs):
    # Billing counts a coupon's cycles down with a queryset update (no signal) just before it
    # invoices the subscription: the invoice is when the discount may have ended.
    if instance.source_type == "subscription":
        metrics.record_mrr(organization_ids=[instance.organization_id])
    transaction.on_commit(cache.bump)


def connect():
    from billing.models import CreditNote, Invoice, Payment, PlanPrice, Refund, Subscription

    post_save.connect(_invoice_changed, sender=Invoice, dispatch_uid="backoffice-figures-Invoice")
    post_delete.connect(_figures_changed, sender=Invoice, dispatch_uid="backoffice-figures-del-Invoice")
    from coupons.models import Coupon

    # A coupon's terms change the MRR of the subscriptions that carry it.
    for model in (Payment, CreditNote, Refund, PlanPrice, Coupon):
        post_save.connect(_figures_changed, sender=model, dispatch_uid=f"backoffice-figures-{model.__name__}")
        post_delete.connect(_figures_changed, sender=model, dispatch_uid=f"backoffice-figures-del-{model.__name__}")
    post_save.connect(_subscription_changed, sender=Subscription, dispatch_uid="backoffice-mrr-subscription")
