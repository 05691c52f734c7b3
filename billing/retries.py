"""Automatic retries of failed invoice payments, with the organization's default payment method.

At most three further attempts, on the days of the dunning policy (default +1, +3, +6 after the
first failure); none after a hard decline (card reported lost or stolen) or without a method.
Each retry is an ordinary payment through billing.payments, with an idempotency key naming the
invoice and the attempt, so a run twice never charges twice, and its schedule is logged on it.
"""

import logging
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery

from billing import dunning, payments, services
from billing.models import Invoice, Payment, PaymentMethod
from core.errors import DomainError

logger = logging.getLogger("webox.billing.retries")

HARD_DECLINES = frozenset({"lost_card", "stolen_card", "pickup_card", "fraudulent", "restricted_card"})
RETRY_KEY = "retry:"


def _candidates():
    failed = Payment.objects.filter(invoice=OuterRef("pk"), status=Payment.Status.FAILED).order_by("-created_at", "-id")
    return (
        Invoice.objects.filter(status=Invoice.Status.OPEN, payments__status=Payment.Status.FAILED)
        .annotate(
            first_failed_at=Min("payments__completed_at"),
            retries=Count("payments", filter=Q(payments__idempotency_key__startswith=RETRY_KEY)),
            last_failure=Subquery(failed.values("failure_code")[:1]),
            in_flight=Exists(Payment.objects.filter(invoice=OuterRef("pk"), status__in=Payment.IN_FLIGHT)),
        )
        .filter(in_flight=False)
        .select_related("organization")
        .order_by("pk")
    )


def retry_failed_payments(*, today=None, counts=None, batch_size=dunning.BATCH_SIZE):
    """Start the retries due on `today` (platform calendar). Reads are three queries a batch."""
    today = today or services.platform_today()
    counts = Counter() if counts is None else counts
    policies = dunning.Policies()
    zone = ZoneInfo(settings.PLATFORM_TIME_ZONE)
    last = 0
    while True:
        batch = list(_candidates().filter(pk__gt=last)[:batch_size])
        if not batch:
            break
        last = batch[-1].pk
        methods = {
            m.organization_id: m
            for m in PaymentMethod.objects.filter(organization__in={i.organization_id for i in batch}, is_default=True)
        }
        for invoice in batch:
            days = policies.for_organization(invoice.organization_id).retry_days[: dunning.MAX_RETRIES]
            if invoice.retries >= len(days):
                continue
            if invoice.last_failure in HARD_DECLINES:
                counts["stopped_hard_decline"] += 1
                continue
            due = invoice.first_failed_at.astimezone(zone).date() + timedelta(days=days[invoice.retries])
            if today < due:
                continue
            method = methods.get(invoice.organization_id)
            if method is None:
                counts["stopped_no_method"] += 1
                continue
            counts[_retry(invoice, method, invoice.retries + 1, due)] += 1
    return counts


def _retry(invoice, method, number, due):
    try:
        payment, replayed = payments.pay_invoice(
            organization=invoice.organization,
            invoice=invoice,
            provider=method.provider,
            payment_method=method,
            idempotency_key=f"{RETRY_KEY}{invoice.pk}:{number}",
        )
    except DomainError as exc:
        logger.info("payment_retry_refused invoice=%s retry=%s code=%s", invoice.number, number, exc.code)
        return "retries_refused"
    if replayed:
        return "retries_already_made"
    Payment.objects.filter(pk=payment.pk).update(
        metadata={**payment.metadata, "automatic_retry": number, "scheduled_for": due.isoformat(), "method": method.label}
    )
    logger.info("payment_retry invoice=%s retry=%s payment=%s", invoice.number, number, payment.pk)
    return "retries_succeeded" if payment.status == Payment.Status.SUCCEEDED else "retries_started"
