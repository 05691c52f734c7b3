"""Thin Celery tasks over catalog services; safe to run twice."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from catalog import services
from core.tasks_log import record_run

ANONYMOUS_CART_DAYS = 30


@shared_task
def purge_anonymous_carts():
    """Anonymous carts untouched for 30 days: their visitors' sessions have expired."""
    with record_run("catalog.purge_anonymous_carts") as counts:
        counts["deleted"] = services.purge_anonymous_carts(older_than=timezone.now() - timedelta(days=ANONYMOUS_CART_DAYS))
    return counts["deleted"]


@shared_task
def expire_pending_orders():
    """Unpaid orders past their time: canceled, their units and promo codes released."""
    with record_run("catalog.expire_pending_orders") as counts:
        counts["canceled"] = services.expire_pending_orders()
    return counts["canceled"]
