"""Paying invoices through a provider: start a payment (idempotent by key), bring it to what the
provider reports, confirm a second step, cancel, refund into a credit note, charge the default
method.

A succeeded payment marks its invoice paid through billing.services (which runs the paid handlers
once); a failed one is recorded on the invoice for the retry and dunning schedule.
"""

import hashlib
import json
import logging
from collections import Counter
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from billing import handlers, providers, selectors, services
from billing.emails import action_required_message
from billing.models import (
    PAYMENT_MACHINE,
    REFUND_MACHINE,
    BalanceEntry,
    Invoice,
    MethodKind,
    Payment,
    PaymentDiscrepancy,
    PaymentMethod,
    Refund,
)
from billing.models.payments import FAILURE_REASONS
from billing.payments.methods import add_payment_method
from billing.services import balance
from core.errors import Conflict, DomainError, InvalidTransition, NotFound, ValidationFailed
from core.i18n import lazy_text
from core.money import format_money
from notifications.services import notify, push_event

logger = logging.getLogger("webox.billing.payments")

# The failure code of a payment made without the customer that their bank wants them to confirm.
AUTHENTICATION_REQUIRED = "authentication_required"


def failure_reason(code, message=""):
    """What is kept in failure_message: the known reason in English, else the provider's words
    (pages show Payment.failure_reason, in the reader's language)."""
    if code not in FAILURE_REASONS:
        return message
    with translation.override("en"):
        return str(FAILURE_REASONS[code])


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
    off_session=False,
    save_method=False,
):
    """Start paying `invoice`. Returns (payment, replayed): the same Idempotency-Key with the same
    request returns the first payment; with a different request it is a conflict.

    Three steps, so no database lock is held while the provider answers: the pending payment is
    committed (under the invoice's lock, which makes a second payment of the same invoice a 409
    `payment_in_progress` instead of a wait or a deadlock), the provider is called, and its answer
    recorded. `off_session`: the customer is not there (renewals), the provider must not ask them
    for a second step. `save_method`: keep the new method typed in `details` for next time, once
    the provider has found nothing wrong with it."""
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
            raise NotFound(_("No such payment method."), code="payment_method_not_found")
        if payment_method.provider != provider:
            raise ValidationFailed(_("This saved method belongs to another provider."), code="invalid_payment_method")
        method_kind = payment_method.kind
    method_kind = method_kind or gateway.method_kinds[0]
    if method_kind not in gateway.method_kinds:
        raise ValidationFailed(
            _("%(provider)s does not take “%(method)s” payments.") % {"provider": provider, "method": method_kind},
            code="unknown_method",
            fields={"method": [_("Use one of: %(kinds)s.") % {"kinds": ", ".join(gateway.method_kinds)}]},
        )
    details = _details_for(method_kind, details)
    gateway.check(currency=invoice.currency, method=payment_method, details=details)
    if save_method and payment_method is None:
        payment_method = add_payment_method(organization=organization, provider=provider, details=details)
    try:
        payment, replayed = _create(
            organization, invoice, gateway, method_kind, payment_method, amount, idempotency_key, request_print, user
        )
    except IntegrityError:
        # Two first uses of one Idempotency-Key on two invoices at once: the other one won.
        existing = idempotency_key and _replay(organization, idempotency_key, request_print)
        if existing:
            return existing, True
        raise _in_progress() from None
    if replayed:
        return payment, True
    try:
        result = gateway.create_payment(payment=payment, method=payment_method, details=details, off_session=off_session)
    except DomainError as exc:
        # Refused before anything was charged: the attempt ends as failed, so the invoice can be paid again.
        apply_status(payment, status="failed", failure_code=exc.code, failure_message=exc.message)
        raise
    payment = apply_status(
        payment,
        status=result.status,
        reference=result.reference,
        failure_code=result.failure_code,
        failure_message=result.failure_message,
        next_action_url=result.next_action_url,
        amount=result.amount,
        currency=result.currency,
    )
    return payment, False


def _details_for(method_kind, details):
    """Only what the chosen kind of method reads: a mobile-money payment gets its phone field
    (empty when none was typed, so the provider says it is missing), a card payment never sees a
    phone number typed beside it."""
    if method_kind == MethodKind.MOBILE_MONEY:
        return {"phone": details.get("phone", ""), "operator": details.get("operator", "")}
    return {key: value for key, value in details.items() if key not in ("phone", "operator")}


def _in_progress():
    return Conflict(_("A payment of this invoice is already in progress: wait for it or cancel it."), code="payment_in_progress")


def _replay(organization, key, request_print):
    existing = Payment.objects.filter(organization=organization, idempotency_key=key).first()
    if existing and existing.request_fingerprint != request_print:
        raise Conflict(_("This Idempotency-Key was already used for a different request."), code="idempotency_key_reused")
    return existing


@transaction.atomic
def _create(organization, invoice, gateway, method_kind, payment_method, amount, idempotency_key, request_print, user):
    """The pending payment, committed before the provider is called. Returns (payment, replayed)."""
    invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk, organization=organization)
    if idempotency_key:
        existing = _replay(organization, idempotency_key, request_print)
        if existing:
            return existing, True
    if invoice.status not in (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE) or invoice.amount_due <= 0:
        raise InvalidTransition(
            _("Invoice %(number)s is %(status)s: there is nothing to pay.")
            % {"number": invoice.number, "status": invoice.get_status_display().lower()},
            code="invoice_not_payable",
        )
    # Read under the invoice's lock, which every change of a payment's status takes first: no
    # payment of this invoice can start or finish meanwhile.
    if invoice.payments.filter(status__in=Payment.IN_FLIGHT).exists():
        raise _in_progress()
    if amount is not None and amount != invoice.amount_due:
        raise ValidationFailed(
            _("The amount must be the %(due)s due on this invoice.") % {"due": invoice.amount_due},
            code="amount_mismatch",
            fields={"amount": [_("Does not match the amount due.")]},
        )
    payment = Payment.objects.create(
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
    return payment, False


def _locked(payment):
    """The payment's invoice, then the payment, locked in that order (as paying takes them)."""
    Invoice.objects.select_for_update().filter(pk=payment.invoice_id).only("pk").first()
    return Payment.objects.select_for_update(of=("self",)).select_related("invoice", "organization").get(pk=payment.pk)


@transaction.atomic
def apply_status(
    payment,
    *,
    status,
    reference="",
    failure_code="",
    failure_message="",
    next_action_url="",
    amount=None,
    currency="",
    provider_data=None,
):
    """Bring a payment to what the provider reports. A final state is never undone, except that a
    capture the provider reports after we gave up is recorded (the money moved); a late "failed"
    after "succeeded" changes nothing, nor does the same news twice. `amount`/`currency`: what the
    provider says it captured (None/"" when it does not say: what was asked). `provider_data`:
    what the provider keeps about the payment, merged into its metadata."""
    payment = _locked(payment)
    changes = {}
    if reference and not payment.provider_reference:
        changes["provider_reference"] = reference
    if next_action_url or provider_data:
        extra = {"next_action_url": next_action_url} if next_action_url else {}
        changes["metadata"] = {**payment.metadata, **extra, **(provider_data or {})}
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
    if status == "succeeded":
        changes.update(
            amount_received=payment.amount if amount is None else amount,
            currency_received=(currency or payment.currency).upper(),
        )
    if status in ("succeeded", "failed", "canceled"):
        changes["completed_at"] = timezone.now()
    PAYMENT_MACHINE.advance(payment, status, **changes)
    handlers.revenue_changed(organization_id=payment.organization_id)
    invoice = payment.invoice
    if status == "succeeded":
        _record_capture(payment)
    elif status == "failed":
        services.record_payment_failure(invoice=invoice, code=payment.failure_code, message=payment.failure_message)
        _tell_failure(payment)
    _push(payment)
    logger.info("payment_%s payment=%s invoice=%s provider=%s", status, payment.pk, invoice.number, payment.provider)
    return payment


def _record_capture(payment):
    """The invoice takes what it still asks; the rest goes to the customer balance. Anything but
    the amount asked, in the currency asked, on a payable invoice is a discrepancy for staff."""
    amount, currency = payment.received
    due_before = payment.invoice.amount_due
    applied, surplus = services.record_capture(
        invoice=payment.invoice,
        amount=amount,
        currency=currency,
        reference=f"{payment.provider}:{payment.provider_reference or payment.pk}",
        payment=payment,
    )
    kind = _discrepancy_kind(payment, amount, currency, due_before, applied)
    if kind:
        PaymentDiscrepancy.objects.create(
            payment=payment,
            kind=kind,
            expected_amount=payment.amount,
            expected_currency=payment.currency,
            received_amount=amount,
            received_currency=currency,
            applied_to_invoice=applied,
            credited_to_balance=surplus,
        )
        logger.warning(
            "payment_discrepancy payment=%s kind=%s asked=%s %s received=%s %s applied=%s to_balance=%s",
            payment.pk, kind, payment.amount, payment.currency, amount, currency, applied, surplus,
        )  # fmt: skip


def _discrepancy_kind(payment, amount, currency, due_before, applied):
    if currency != payment.currency:
        return PaymentDiscrepancy.Kind.CURRENCY
    if not applied and amount:
        return PaymentDiscrepancy.Kind.NOT_PAYABLE
    if amount < payment.amount:
        return PaymentDiscrepancy.Kind.SHORT
    if amount > payment.amount:
        return PaymentDiscrepancy.Kind.LONG
    if due_before < payment.amount:
        return PaymentDiscrepancy.Kind.REDUCED
    return None


def _tell_failure(payment):
    if payment.failure_code == AUTHENTICATION_REQUIRED:
        _ask_for_authentication(payment)
        return
    notify(
        payment.organization,
        "payment_failed",
        title=lazy_text(gettext_lazy("Payment of invoice %(number)s failed"), number=payment.invoice.number),
        body=payment.failure_reason,
        link=reverse("billing:payment_detail", args=[payment.pk]),
        context={"payment": payment, "invoice": payment.invoice},
        related=payment,
    )


def _ask_for_authentication(payment):
    """A payment made without the customer (a renewal) that the bank wants confirmed: the
    customer gets a link to the pay page, where the provider's second step runs with them."""
    invoice = payment.invoice
    title, body = action_required_message(invoice)
    notify(
        payment.organization,
        "payment_action_required",
        title=title,
        body=body,
        link=selectors.pay_url(invoice),
        context={"payment": payment, "invoice": invoice},
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
            "message": str(payment.failure_reason),
        },
    )


def confirm_payment(*, payment, details):
    """The second step a payment may need (the sandbox's 3-D Secure-like number)."""
    if payment.status not in Payment.IN_FLIGHT:
        raise InvalidTransition(_("This payment is not waiting for a confirmation."), code="payment_not_pending")
    result = providers.get(payment.provider).confirm_payment(payment=payment, details=details)
    return apply_status(
        payment,
        status=result.status,
        failure_code=result.failure_code,
        failure_message=result.failure_message,
        amount=result.amount,
        currency=result.currency,
        provider_data=result.provider_data,
    )


def cancel_payment(*, payment):
    if payment.status not in Payment.IN_FLIGHT:
        raise InvalidTransition(_("Only a pending payment can be canceled."), code="payment_not_pending")
    result = providers.get(payment.provider).cancel_payment(payment=payment)
    return apply_status(payment, status=result.status)


def poll_payment(*, payment):
    """Ask the provider where a payment in flight stands (webhooks are hints; its status is the
    truth) and record the answer."""
    if payment.status not in Payment.IN_FLIGHT or not payment.provider_reference:
        return payment
    result = providers.get(payment.provider).payment_status(payment=payment)
    return apply_status(
        payment,
        status=result.status,
        failure_code=result.failure_code,
        failure_message=result.failure_message,
        amount=result.amount,
        currency=result.currency,
    )


POLL_AFTER = timedelta(minutes=2)
POLL_BATCH = 200


def poll_pending_payments(*, now=None, counts=None):
    """The status poller: every payment still in flight POLL_AFTER after it started (a mobile-money
    payment waiting for the customer's phone, a callback lost or late) is asked of its provider,
    whose status is the truth. Each on its own: a provider that cannot answer leaves the others
    polled and its payment for the next run. Returns the counts of what each became."""
    now = now or timezone.now()
    counts = Counter() if counts is None else counts
    waiting = Payment.objects.filter(
        status__in=Payment.IN_FLIGHT, provider_reference__isnull=False, created_at__lte=now - POLL_AFTER
    ).order_by("created_at", "pk")[:POLL_BATCH]
    for payment in waiting:
        try:
            payment = poll_payment(payment=payment)
        except DomainError as exc:
            logger.warning("payment_poll_failed payment=%s code=%s", payment.pk, exc.code)
            counts["unanswered"] += 1
            continue
        counts["still_in_flight" if payment.status in Payment.IN_FLIGHT else payment.status] += 1
    return counts


# --- Refunds: a pending row committed, then the provider, then the outcome ----------------------


def _money(amount, currency):
    return format_money(amount, currency, get_language())


def _pending_refunds(payment):
    return payment.refunds.filter(status=Refund.Status.PENDING).aggregate(total=Sum("amount"))["total"] or 0


def _refundable(payment):
    """What may still go back on `payment` (locked): refunds under way count as gone."""
    if payment.status not in Payment.SETTLED:
        return 0
    return payment.refundable - _pending_refunds(payment)


def refund_payment(*, payment, amount=None, reason="Refund", user=None):
    """Refund part of the invoice `payment` paid (all that may still be when `amount` is None)
    through the provider; the credit note follows. No lock is held while the provider works: the
    refund is written `pending` first (two refunds can never together exceed what was paid), then
    the provider called, then the outcome recorded."""
    with transaction.atomic():
        payment = _locked(payment)
        invoice = payment.invoice
        refundable = min(_refundable(payment), invoice.amount_paid, invoice.creditable)
        amount = refundable if amount is None else amount
        if payment.status not in Payment.SETTLED:
            raise InvalidTransition(_("Only a succeeded payment can be refunded."), code="payment_not_refundable")
        if payment.received[1] != invoice.currency:
            raise InvalidTransition(
                _("This payment was captured in another currency: refund it from the customer balance."),
                code="payment_not_refundable",
            )
        if not isinstance(amount, int) or amount <= 0 or amount > refundable:
            raise ValidationFailed(
                _("At most %(amount)s can still be refunded on invoice %(number)s.")
                % {"amount": _money(max(refundable, 0), invoice.currency), "number": invoice.number},
                code="refund_above_payment",
                fields={"amount": [_("At most %(amount)s.") % {"amount": _money(max(refundable, 0), invoice.currency)}]},
            )
        refund = Refund.objects.create(
            payment=payment,
            kind=Refund.Kind.INVOICE,
            amount=amount,
            currency=invoice.currency,
            reason=reason[:300],
            created_by=user,
        )
    reference = _call_provider(refund)
    with transaction.atomic():
        payment = _locked(payment)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        note = services.refund_to_credit_note(
            invoice=payment.invoice, amount=amount, refund_reference=reference, reason=reason, user=user
        )
        _settle_refund(payment, refund, reference, credit_note=note)
    logger.info("payment_refunded payment=%s amount=%s reference=%s", payment.pk, amount, reference)
    return refund


def _call_provider(refund):
    """The provider's refund of `refund` (committed, pending). A refusal marks it failed and is raised."""
    payment = refund.payment
    try:
        return providers.get(payment.provider).refund(payment=payment, amount=refund.amount, key=f"webox-refund-{refund.pk}")
    except DomainError as exc:
        with transaction.atomic():
            refund = Refund.objects.select_for_update().get(pk=refund.pk)
            REFUND_MACHINE.advance(refund, Refund.Status.FAILED, failure_message=exc.message[:255], completed_at=timezone.now())
            if refund.kind == Refund.Kind.BALANCE:
                _credit_back(refund)
        logger.warning("refund_failed refund=%s code=%s", refund.pk, exc.code)
        raise


def _settle_refund(payment, refund, reference, **changes):
    REFUND_MACHINE.advance(refund, Refund.Status.SUCCEEDED, provider_reference=reference, completed_at=timezone.now(), **changes)
    total = payment.amount_refunded + refund.amount
    PAYMENT_MACHINE.advance(payment, "refunded" if total == payment.received[0] else "partially_refunded", amount_refunded=total)
    handlers.revenue_changed(organization_id=payment.organization_id)


def refund_invoice(*, invoice, amount=None, reason="Refund", user=None):
    """Refund a paid invoice through the provider of the payment that settled it (what is left
    when `amount` is None): for apps that sell through invoices, such as the storefront."""
    payment = (
        Payment.objects.filter(invoice=invoice, status__in=Payment.SETTLED, currency_received=invoice.currency)
        .order_by("-completed_at", "-pk")
        .first()
    )
    if payment is None:
        raise InvalidTransition(
            _("Invoice %(number)s has no payment to refund.") % {"number": invoice.number}, code="payment_not_refundable"
        )
    return refund_payment(payment=payment, amount=amount, reason=reason, user=user)


def refund_balance(*, organization, currency, amount=None, reason="Refund of the balance", user=None):
    """Pay the customer balance in `currency` back (all of it when `amount` is None) through the
    providers of the organization's payments, newest first. Each part is taken from the balance
    and written `pending` before its provider is called, and credited back if the provider
    refuses. Returns the refunds made."""
    with transaction.atomic():
        balance.lock_account(organization, currency)
        available = balance.current(organization, currency)
        amount = available if amount is None else amount
        if not isinstance(amount, int) or amount <= 0 or amount > available:
            raise ValidationFailed(
                _("At most %(amount)s of the balance can be refunded.") % {"amount": _money(available, currency)},
                code="refund_above_balance",
                fields={"amount": [_("At most %(amount)s.") % {"amount": _money(available, currency)}]},
            )
        refunds = _balance_refunds(organization, currency, amount, reason, user)
    made = []
    for refund in refunds:
        reference = _call_provider(refund)
        with transaction.atomic():
            payment = _locked(refund.payment)
            refund = Refund.objects.select_for_update().get(pk=refund.pk)
            _settle_refund(payment, refund, reference)
        made.append(refund)
        logger.info("balance_refunded refund=%s payment=%s amount=%s", refund.pk, payment.pk, refund.amount)
    return made


def _balance_refunds(organization, currency, amount, reason, user):
    """Pending refunds for `amount` spread over the newest payments that still hold money, each
    taken off the balance now (under its lock)."""
    candidates = (
        Payment.objects.select_for_update(of=("self",))
        .filter(organization=organization, status__in=Payment.SETTLED, currency_received=currency)
        .order_by("-completed_at", "-pk")
    )
    refunds, left = [], amount
    for payment in candidates:
        share = min(left, _refundable(payment))
        if share <= 0:
            continue
        refund = Refund.objects.create(
            payment=payment, kind=Refund.Kind.BALANCE, amount=share, currency=currency, reason=reason[:300], created_by=user
        )
        balance.record(
            organization=organization,
            currency=currency,
            amount=-share,
            kind=BalanceEntry.Kind.REFUND,
            description=_("Refunded to the payment method"),
            payment=payment,
            refund=refund,
            user=user,
        )
        refunds.append(refund)
        left -= share
        if not left:
            return refunds
    raise Conflict(
        _("No payment in %(currency)s holds enough to refund %(amount)s: the rest must be paid back by transfer.")
        % {"currency": currency, "amount": _money(left, currency)},
        code="nothing_to_refund",
    )


def _credit_back(refund):
    balance.credit(
        organization=refund.payment.organization,
        currency=refund.currency,
        amount=refund.amount,
        kind=BalanceEntry.Kind.REFUND_FAILED,
        description=_("The provider refused the refund: credited back"),
        payment=refund.payment,
        refund=refund,
    )


def charge_default_method(*, invoice):
    """Try the organization's default payment method on a new invoice (renewal, trial end), the
    customer not being there (off session: a bank that wants a confirmation gets the customer a
    link instead). Returns what happened, as a count name for the task's log."""
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
            off_session=True,
        )
    except DomainError as exc:
        logger.info("auto_charge_refused invoice=%s code=%s", invoice.number, exc.code)
        return "charge_refused"
    return "charged"
