"""Paying invoices through a provider: start a payment (idempotent by key), bring it to what the
provider reports, confirm a second step, cancel, refund into a credit note, charge the default
method.

A succeeded payment marks its invoice paid through billing.services (which runs the paid handlers
once); a failed one is recorded on the invoice for the retry and dunning schedule.
"""

import hashlib
import json
import logging

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from billing import providers, services
from billing.models import PAYMENT_MACHINE, Invoice, Payment, PaymentMethod, Refund
from core.errors import Conflict, DomainError, InvalidTransition, NotFound, ValidationFailed
from notifications.services import notify, push_event

logger = logging.getLogger("webox.billing.payments")


# Failure codes in words, for the customer; the provider's own message is used otherwise.
FAILURE_REASONS = {
    "card_declined": "Your bank declined the card. Try another card or contact your bank.",
    "insufficient_funds": "The card has insufficient funds.",
    "authentication_failed": "The payment was not confirmed at the second step.",
    "expired_card": "The card has expired.",
    "incorrect_cvc": "The security code is incorrect.",
    "timeout": "The payment was not confirmed on the phone in time.",
    "canceled_by_customer": "The payment was refused on the phone.",
}


def failure_reason(code, message=""):
    return FAILURE_REASONS.get(code) or message or "The payment did not go through."


def fingerprint(data):
    """A stable hash of a request body, to tell a replay from a different request with the same key."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def pay_invoice(
    *,
    organization,
    invoice,
    provider,
    method_kind="",
    payment_method=None,
    details=None,
    amount=None,
    idempotency_key="",
    user=None,
):
    """Start paying `invoice`. Returns (payment, replayed): the same Idempotency-Key with the same
    request returns the first payment; with a different request it is a conflict."""
    details = details or {}
    request_print = fingerprint(
        {
            "invoice": invoice.pk,
            "provider": provider,
            "method": method_kind,
            "payment_method": payment_method.pk if payment_method else None,
            "amount": amount,
            "details": details,
        }
    )
    if idempotency_key:
        existing = _replay(organization, idempotency_key, request_print)
        if existing:
            return existing, True
    gateway = providers.get(provider)
    if payment_method is not None:
        if payment_method.organization_id != organization.pk:
            raise NotFound("No such payment method.", code="payment_method_not_found")
        if payment_method.provider != provider:
            raise ValidationFailed("This saved method belongs to another provider.", code="invalid_payment_method")
        method_kind = payment_method.kind
    method_kind = method_kind or gateway.method_kinds[0]
    if method_kind not in gateway.method_kinds:
        raise ValidationFailed(
            f"{provider} does not take “{method_kind}” payments.",
            code="unknown_method",
            fields={"method": [f"Use one of: {', '.join(gateway.method_kinds)}."]},
        )
    gateway.check(currency=invoice.currency, method=payment_method, details=details)
    try:
        payment = _create(
            organization, invoice, gateway, method_kind, payment_method, amount, idempotency_key, request_print, user
        )
    except IntegrityError:
        existing = idempotency_key and _replay(organization, idempotency_key, request_print)
        if existing:
            return existing, True
        raise Conflict(
            "A payment of this invoice is already in progress: wait for it or cancel it.", code="payment_in_progress"
        ) from None
    try:
        # One transaction around the call, so what the provider queues after commit (the sandbox's
        # webhook) sees the reference stored.
        with transaction.atomic():
            result = gateway.create_payment(payment=payment, method=payment_method, details=details)
            payment = apply_status(
                payment,
                status=result.status,
                reference=result.reference,
                failure_code=result.failure_code,
                failure_message=result.failure_message,
                next_action_url=result.next_action_url,
            )
    except DomainError as exc:
        # Refused before anything was charged: the attempt ends as failed, so the invoice can be paid again.
        apply_status(payment, status="failed", failure_code=exc.code, failure_message=exc.message)
        raise
    return payment, False


def _replay(organization, key, request_print):
    existing = Payment.objects.filter(organization=organization, idempotency_key=key).first()
    if existing and existing.request_fingerprint != request_print:
        raise Conflict("This Idempotency-Key was already used for a different request.", code="idempotency_key_reused")
    return existing


@transaction.atomic
def _create(organization, invoice, gateway, method_kind, payment_method, amount, idempotency_key, request_print, user):
    invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk, organization=organization)
    if invoice.status not in (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE) or invoice.amount_due <= 0:
        raise InvalidTransition(
            f"Invoice {invoice.number} is {invoice.get_status_display().lower()}: there is nothing to pay.",
            code="invoice_not_payable",
        )
    if amount is not None and amount != invoice.amount_due:
        raise ValidationFailed(
            f"The amount must be the {invoice.amount_due} due on this invoice.",
            code="amount_mismatch",
            fields={"amount": ["Does not match the amount due."]},
        )
    with transaction.atomic():  # a savepoint: a unique-key race surfaces as IntegrityError to the caller
        return Payment.objects.create(
            organization=organization,
            invoice=invoice,
            amount=invoice.amount_due,
            currency=invoice.currency,
            provider=gateway.name,
            method=method_kind,
            payment_method=payment_method,
            attempt=invoice.payments.count() + 1,
            idempotency_key=idempotency_key,
            request_fingerprint=request_print,
            created_by=user,
        )


@transaction.atomic
def apply_status(payment, *, status, reference="", failure_code="", failure_message="", next_action_url=""):
    """Bring a payment to what the provider reports. A final state is never undone: a late
    "failed" after "succeeded" changes nothing, nor does the same news twice."""
    payment = Payment.objects.select_for_update(of=("self",)).select_related("invoice", "organization").get(pk=payment.pk)
    changes = {}
    if reference and not payment.provider_reference:
        changes["provider_reference"] = reference
    if next_action_url:
        changes["metadata"] = {**payment.metadata, "next_action_url": next_action_url}
    if (
        status == payment.status
        or not PAYMENT_MACHINE.can(payment.status, status)
        or status not in ("processing", "succeeded", "failed", "canceled")
    ):
        if changes:
            for name, value in changes.items():
                setattr(payment, name, value)
            payment.save(update_fields=[*changes, "updated_at"])
        return payment
    if status == "failed":
        changes.update(
            failure_code=failure_code[:60] or "failed", failure_message=failure_reason(failure_code, failure_message)[:255]
        )
    if status in ("succeeded", "failed", "canceled"):
        changes["completed_at"] = timezone.now()
    PAYMENT_MACHINE.advance(payment, status, **changes)
    invoice = payment.invoice
    if status == "succeeded":
        services.mark_invoice_paid(
            invoice=invoice, amount=payment.amount, reference=f"{payment.provider}:{payment.provider_reference}"
        )
    elif status == "failed":
        services.record_payment_failure(invoice=invoice, code=payment.failure_code, message=payment.failure_message)
        _tell_failure(payment)
    _push(payment)
    logger.info("payment_%s payment=%s invoice=%s provider=%s", status, payment.pk, invoice.number, payment.provider)
    return payment


def _tell_failure(payment):
    notify(
        payment.organization,
        "payment_failed",
        title=f"Payment of invoice {payment.invoice.number} failed",
        body=payment.failure_message,
        link=reverse("billing:payment_detail", args=[payment.pk]),
        context={"payment": payment, "invoice": payment.invoice},
        related=payment,
    )


def _push(payment):
    push_event(
        payment.organization,
        "payment.updated",
        {
            "payment_id": payment.pk,
            "invoice_id": payment.invoice_id,
            "status": payment.status,
            "status_display": payment.get_status_display(),
            "message": payment.failure_message,
        },
    )


def confirm_payment(*, payment, details):
    """The second step a payment may need (the sandbox's 3-D Secure-like number)."""
    if payment.status not in Payment.IN_FLIGHT:
        raise InvalidTransition("This payment is not waiting for a confirmation.", code="payment_not_pending")
    result = providers.get(payment.provider).confirm_payment(payment=payment, details=details)
    return apply_status(payment, status=result.status, failure_code=result.failure_code, failure_message=result.failure_message)


def cancel_payment(*, payment):
    if payment.status not in Payment.IN_FLIGHT:
        raise InvalidTransition("Only a pending payment can be canceled.", code="payment_not_pending")
    result = providers.get(payment.provider).cancel_payment(payment=payment)
    return apply_status(payment, status=result.status)


def refund_payment(*, payment, amount=None, reason="Refund", user=None):
    """Refund (all that remains when `amount` is None) through the provider, then the credit note.

    The payment row stays locked from the check to the provider call, so two refunds cannot
    together exceed what was paid."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update(of=("self",)).select_related("invoice").get(pk=payment.pk)
        amount = payment.refundable if amount is None else amount
        if payment.status not in Payment.SETTLED:
            raise InvalidTransition("Only a succeeded payment can be refunded.", code="payment_not_refundable")
        if not isinstance(amount, int) or amount <= 0 or amount > payment.refundable:
            raise ValidationFailed(
                f"At most {payment.refundable} can still be refunded on this payment.", code="refund_above_payment"
            )
        invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=payment.invoice_id)
        if amount > invoice.creditable:
            # Checked before the provider moves money: the credit note must be possible afterwards.
            raise ValidationFailed(
                f"Only {invoice.creditable} of invoice {invoice.number} is not yet credited.", code="credit_above_invoice"
            )
        reference = providers.get(payment.provider).refund(payment=payment, amount=amount)
        note = services.refund_to_credit_note(
            invoice=payment.invoice, amount=amount, refund_reference=reference, reason=reason, user=user
        )
        refund = Refund.objects.create(
            payment=payment, amount=amount, provider_reference=reference, credit_note=note, reason=reason[:300], created_by=user
        )
        total = payment.amount_refunded + amount
        PAYMENT_MACHINE.advance(payment, "refunded" if total == payment.amount else "partially_refunded", amount_refunded=total)
    logger.info("payment_refunded payment=%s amount=%s reference=%s", payment.pk, amount, reference)
    return refund


def refund_invoice(*, invoice, amount=None, reason="Refund", user=None):
    """Refund a paid invoice through the provider of the payment that settled it (what is left
    when `amount` is None): for apps that sell through invoices, such as the storefront."""
    payment = Payment.objects.filter(invoice=invoice, status__in=Payment.SETTLED).order_by("-completed_at", "-pk").first()
    if payment is None:
        raise InvalidTransition(f"Invoice {invoice.number} has no payment to refund.", code="payment_not_refundable")
    return refund_payment(payment=payment, amount=amount, reason=reason, user=user)


def charge_default_method(*, invoice):
    """Try the organization's default payment method on a new invoice (renewal, trial end).
    Returns what happened, as a count name for the task's log."""
    method = PaymentMethod.objects.filter(organization=invoice.organization_id, is_default=True).first()
    if method is None or invoice.amount_due <= 0:
        return "not_charged"
    try:
        pay_invoice(
            organization=invoice.organization,
            invoice=invoice,
            provider=method.provider,
            payment_method=method,
            idempotency_key=f"auto:{invoice.pk}",
        )
    except DomainError as exc:
        logger.info("auto_charge_refused invoice=%s code=%s", invoice.number, exc.code)
        return "charge_refused"
    return "charged"
