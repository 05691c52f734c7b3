"""Read-only listening to billing: refresh the cached figures and record the MRR history.

Billing's models are never written here; only the back office's own rows and cache keys."""

from django.db.models.signals import post_delete, post_save

from backoffice import cache, metrics
from billing.models import CreditNote, Invoice, Payment, PlanPrice, Refund, Subscription
from core.tasks import after_commit
from coupons.models import Coupon


def _bump_later(*families):
    # A cache that is down must not turn a saved payment or checkout into an error page.
    after_commit("backoffice_cache_bump", lambda: cache.bump(*families))


def _money_changed(sender, **kwargs):
    _bump_later(cache.INVOICES)


def _terms_changed(sender, **kwargs):
    _bump_later(cache.SUBSCRIPTIONS)


def _subscription_changed(sender, instance, **kwargs):
    # In the same transaction as the change, so the history never disagrees with billing.
    metrics.record_mrr(organization_ids=[instance.organization_id])
    _bump_later(cache.SUBSCRIPTIONS)


def _invoice_changed(sender, instance, **kwargs):
    # Billing counts a coupon's cycles down with a queryset update (no signal) just before it
    # invoices the subscription: the invoice is when the discount may have ended.
    if instance.source_type == "subscription":
        metrics.record_mrr(organization_ids=[instance.organization_id])
        _bump_later(cache.SUBSCRIPTIONS, cache.INVOICES)
    else:
        _bump_later(cache.INVOICES)


def connect():
    post_save.connect(_invoice_changed, sender=Invoice, dispatch_uid="backoffice-invoice")
    post_delete.connect(_money_changed, sender=Invoice, dispatch_uid="backoffice-invoice-deleted")
    for model in (Payment, CreditNote, Refund):
        post_save.connect(_money_changed, sender=model, dispatch_uid=f"backoffice-{model.__name__}")
        post_delete.connect(_money_changed, sender=model, dispatch_uid=f"backoffice-{model.__name__}-deleted")
    # Plan prices and a coupon's terms change the MRR of the subscriptions that carry them.
    for model in (PlanPrice, Coupon):
        post_save.connect(_terms_changed, sender=model, dispatch_uid=f"backoffice-{model.__name__}")
        post_delete.connect(_terms_changed, sender=model, dispatch_uid=f"backoffice-{model.__name__}-deleted")
    post_save.connect(_subscription_changed, sender=Subscription, dispatch_uid="backoffice-subscription")
