"""Provider webhooks: verified and stored by event id before anything else (a repeated delivery
is counted, never acted on twice), then processed by a task that brings the payment to the
reported state. The amount and currency the provider reports captured are compared with what was
asked: a difference is recorded (a PaymentDiscrepancy, named in the event's outcome), never
refused, since the money moved. The sandbox's own deliveries go through the same door, signed
like a real provider's.
"""

import logging

from celery import shared_task
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import providers
from billing.models import Payment, WebhookEvent
from billing.payments.services import apply_status
from billing.providers.sandbox import signed_delivery
from core.errors import DomainError, ValidationFailed
from core.tasks import RETRY, enqueue

logger = logging.getLogger("webox.billing.payments")


@shared_task(name="billing.tasks.deliver_sandbox_webhook", **RETRY)
def deliver_sandbox_webhook(event):
    """The sandbox "calling" our webhook: signed like a real provider's, checked the same way."""
    body, headers = signed_delivery(event)
    receive_webhook(provider="sandbox", body=body, headers=headers)


@shared_task(name="billing.tasks.process_webhook_event", **RETRY)
def process_webhook_event(event_id):
    process_webhook(event_id=event_id)


def receive_webhook(*, provider, body, headers):
    """Verify, then store by provider event id before anything else; the work is a task.
    Returns (event, created): a repeated delivery is counted and not acted on again."""
    event = providers.get(provider).verify_webhook(body=body, headers=headers)
    _check_fits(event)
    try:
        with transaction.atomic():
            stored = WebhookEvent.objects.create(
                provider=provider, event_id=event.event_id, event_type=event.event_type, payload=event.payload
            )
    except IntegrityError:
        stored = WebhookEvent.objects.get(provider=provider, event_id=event.event_id)
        WebhookEvent.objects.filter(pk=stored.pk).update(deliveries=stored.deliveries + 1)
        logger.info("webhook_duplicate provider=%s event=%s", provider, event.event_id)
        return stored, False
    enqueue(process_webhook_event, stored.pk)
    logger.info("webhook_received provider=%s event=%s type=%s", provider, event.event_id, event.event_type)
    return stored, True


def _check_fits(event):
    """A signed event is still outside input: its id and type must be text that fits their columns."""
    for name in ("event_id", "event_type"):
        value = getattr(event, name)
        if not isinstance(value, str) or not value or len(value) > WebhookEvent._meta.get_field(name).max_length:
            raise ValidationFailed(_("The event's id or type is missing or too long."), code="bad_payload")


def process_webhook(*, event_id):
    """Act on a stored event once: bring its payment to the reported state."""
    with transaction.atomic():
        stored = WebhookEvent.objects.select_for_update().get(pk=event_id)
        if stored.status != WebhookEvent.Status.RECEIVED:
            return stored
        event = providers.REGISTRY[stored.provider].parse_event(stored.payload)
        payment = _payment_of(stored.provider, event)
        if payment is None or not event.status:
            outcome = "no payment with this reference" if payment is None else f"nothing to do for {event.event_type}"
            return _close(stored, WebhookEvent.Status.IGNORED, outcome, payment)
        before = payment.status
        try:
            with transaction.atomic():
                payment = apply_status(
                    payment,
                    status=event.status,
                    failure_code=event.failure_code,
                    failure_message=event.failure_message,
                    amount=event.amount,
                    currency=event.currency,
                )
        except DomainError as exc:
            logger.warning("webhook_refused event=%s code=%s", stored.event_id, exc.code)
            return _close(stored, WebhookEvent.Status.FAILED, f"{exc.code}: {exc.message}", payment)
        outcome = f"payment {before} → {payment.status}" if payment.status != before else f"payment stays {payment.status}"
        discrepancy = payment.discrepancies.first() if payment.status != before and payment.status == "succeeded" else None
        if discrepancy is not None:
            outcome += (
                f"; {discrepancy.kind}: asked {discrepancy.expected_amount} {discrepancy.expected_currency}, captured "
                f"{discrepancy.received_amount} {discrepancy.received_currency}, {discrepancy.applied_to_invoice} to the "
                f"invoice, {discrepancy.credited_to_balance} to the customer balance"
            )
        return _close(stored, WebhookEvent.Status.PROCESSED, outcome, payment)


def _payment_of(provider, event):
    """By the provider's reference, else by our id echoed back (an event may overtake our own
    record of the reference)."""
    payments = Payment.objects.filter(provider=provider)
    found = payments.filter(provider_reference=event.payment_reference).first() if event.payment_reference else None
    if found is None and event.payment_id:
        found = payments.filter(pk=event.payment_id).first()
    return found


def _close(stored, status, outcome, payment):
    stored.status, stored.outcome, stored.payment, stored.processed_at = status, outcome, payment, timezone.now()
    stored.save(update_fields=["status", "outcome", "payment", "processed_at"])
    logger.info("webhook_processed event=%s outcome=%s", stored.event_id, outcome)
    return stored
