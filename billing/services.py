"""Every billing write: invoices (create, finalize, pay, fail, void, credit) and subscriptions
(subscribe, change plan, cancel, resume, suspend, reactivate, renew).

Other apps call `create_invoice` and register handlers for their invoices being paid or voided
(docs/architecture.md). Amounts are minor units in the organization's currency.
"""

import logging
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import handlers, selectors
from billing.handlers import (  # noqa: F401 (documented as billing.services)
    register_invoice_paid_handler,
    register_invoice_refunded_handler,
    register_invoice_voided_handler,
)
from billing.models import (
    INVOICE_MACHINE,
    SUBSCRIPTION_MACHINE,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    NumberSequence,
    PendingCharge,
    Subscription,
)
from billing.pricing import (  # noqa: F401 (documented as billing.services)
    LineSpec,
    add_interval,
    charge_line,
    period_from,
    period_label,
    plan_line,
    plan_price,
    platform_today,
    price_line,
    proration,
    totals,
    vat_rate_for,
    yearly_price,
)
from core.errors import Conflict, InvalidTransition, ValidationFailed
from core.money import check_currency, prorate

logger = logging.getLogger("webox.billing")


# --- Lines ---------------------------------------------------------------------------------------


# --- Invoices ------------------------------------------------------------------------------------


@transaction.atomic
def create_invoice(
    *,
    organization,
    lines,
    source_type,
    source_id,
    coupon_code=None,
    user=None,
    finalize=True,
    subscription=None,
    period_start=None,
):
    """An invoice for `organization` with `lines` (LineSpec), finalized unless finalize=False."""
    handlers.check_source_type(source_type)
    check_currency(organization.currency)
    if not lines:
        raise ValidationFailed("An invoice needs at least one line.", code="invalid_line")
    priced = [price_line(spec) for spec in lines]
    amounts = totals(priced)
    if amounts["total"] < 0:
        raise ValidationFailed("An invoice cannot total less than zero: issue a credit note instead.", code="negative_invoice")
    invoice = Invoice.objects.create(
        organization=organization,
        subscription=subscription,
        period_start=period_start,
        currency=organization.currency,
        locale=organization.locale,
        source_type=source_type,
        source_id=str(source_id or ""),
        coupon_code=coupon_code or "",
        payment_terms_days=organization.payment_terms_days,
        created_by=user,
        **amounts,
    )
    InvoiceLine.objects.bulk_create(InvoiceLine(invoice=invoice, position=i, **line) for i, line in enumerate(priced))
    logger.info(
        "invoice_created invoice=%s org=%s source=%s:%s total=%s",
        invoice.pk,
        organization.pk,
        source_type,
        source_id,
        invoice.total,
    )
    if finalize:
        invoice = finalize_invoice(invoice=invoice)
    return invoice


def _next_number(prefix, year):
    """The next number of the year, under the sequence row's lock: gapless, since a rolled-back
    finalization rolls the counter back with it."""
    sequence = NumberSequence.objects.select_for_update().filter(prefix=prefix, year=year).first()
    if sequence is None:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(prefix=prefix, year=year)
        except IntegrityError:
            pass  # another finalization created it first; lock theirs below
        sequence = NumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last, f"{prefix}-{year}-{sequence.last:06d}"


def seller_details():
    return dict(settings.SELLER)


def buyer_details(organization):
    return {
        "name": organization.display_legal_name,
        "address_lines": organization.address_lines,
        "address_line1": organization.address_line1,
        "postal_code": organization.postal_code,
        "city": organization.city,
        "country": organization.country,
        "vat_number": organization.vat_number,
        "email": organization.billing_email,
    }


@transaction.atomic
def finalize_invoice(*, invoice, issue_date=None):
    """draft → open: number, dates, seller and buyer fixed; the PDF is rendered by a task.

    `issue_date` (default today) lets staff date an invoice for a service already delivered."""
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("organization").get(pk=invoice.pk)
    INVOICE_MACHINE.check(invoice.status, Invoice.Status.OPEN)
    today = issue_date or platform_today()
    sequence, number = _next_number("INV", today.year)
    INVOICE_MACHINE.advance(
        invoice,
        Invoice.Status.OPEN,
        number=number,
        year=today.year,
        sequence=sequence,
        issue_date=today,
        due_date=today + timedelta(days=invoice.payment_terms_days),
        seller=seller_details(),
        buyer=buyer_details(invoice.organization),
        locale=invoice.organization.locale,
    )
    logger.info("invoice_finalized invoice=%s number=%s total=%s %s", invoice.pk, number, invoice.total, invoice.currency)
    from billing.tasks import render_invoice_documents

    transaction.on_commit(lambda: render_invoice_documents.delay(invoice.pk))
    if invoice.total == 0:
        invoice = _settle(invoice, reference="zero-total")
    return invoice


def _lock(invoice):
    return Invoice.objects.select_for_update(of=("self",)).select_related("organization", "subscription").get(pk=invoice.pk)


def _settle(invoice, *, reference, amount=0):
    INVOICE_MACHINE.advance(
        invoice,
        Invoice.Status.PAID,
        paid_at=timezone.now(),
        amount_paid=invoice.amount_paid + amount,
        payment_references=[*invoice.payment_references, reference],
    )
    handlers.invoice_paid(invoice)
    return invoice


@transaction.atomic
def mark_invoice_paid(*, invoice, amount, reference):
    """Record the payment `reference` of `amount` (the whole amount due) and run the paid handlers once.

    The same reference twice is a no-op, so a replayed provider event changes nothing.
    """
    invoice = _lock(invoice)
    if reference in invoice.payment_references:
        return invoice
    if invoice.status not in (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE):
        raise InvalidTransition(
            f"Invoice {invoice.number or 'draft'} is {invoice.get_status_display().lower()}: it cannot be paid.",
            code="invoice_not_payable",
        )
    if amount != invoice.amount_due:
        raise ValidationFailed(
            f"The amount {amount} does not match the {invoice.amount_due} due on invoice {invoice.number}.",
            code="amount_mismatch",
        )
    invoice = _settle(invoice, reference=reference, amount=amount)
    _notify(invoice, "invoice_paid")
    logger.info("invoice_paid invoice=%s number=%s amount=%s reference=%s", invoice.pk, invoice.number, amount, reference)
    return invoice


@transaction.atomic
def record_payment_failure(*, invoice, code, message):
    """A failed payment attempt: counted and kept for the retry and dunning schedule."""
    invoice = _lock(invoice)
    invoice.payment_attempts += 1
    invoice.last_payment_attempt_at = timezone.now()
    invoice.last_payment_error = f"{code}: {message}"[:255]
    invoice.save(update_fields=["payment_attempts", "last_payment_attempt_at", "last_payment_error", "updated_at"])
    logger.info("invoice_payment_failed invoice=%s attempts=%s code=%s", invoice.pk, invoice.payment_attempts, code)
    return invoice


@transaction.atomic
def void_invoice(*, invoice, reason, user=None):
    """open/uncollectible → void: what remains is credited (a numbered invoice is never erased)."""
    invoice = _lock(invoice)
    INVOICE_MACHINE.check(invoice.status, Invoice.Status.VOID)
    if invoice.amount_paid:
        raise Conflict("This invoice has been paid: refund it with a credit note instead.", code="invoice_paid")
    if invoice.payments.filter(status__in=["pending", "processing"]).exists():
        raise Conflict("A payment of this invoice is in progress: cancel it first.", code="payment_in_progress")
    if invoice.creditable > 0:
        _create_credit_note(invoice, amount=invoice.creditable, reason=reason or "Invoice voided", user=user)
    return _void(invoice)


def _void(invoice):
    INVOICE_MACHINE.advance(invoice, Invoice.Status.VOID, voided_at=timezone.now())
    handlers.invoice_voided(invoice)
    logger.info("invoice_voided invoice=%s number=%s", invoice.pk, invoice.number)
    return invoice


@transaction.atomic
def mark_uncollectible(*, invoice):
    invoice = _lock(invoice)
    return INVOICE_MACHINE.advance(invoice, Invoice.Status.UNCOLLECTIBLE, uncollectible_at=timezone.now())


@transaction.atomic
def issue_credit_note(*, invoice, amount=None, reason, user=None, refund_reference=""):
    """Credit `amount` (tax included; all that remains when None) of a finalized invoice.

    Never more than invoiced: the invoice row is locked and the remainder checked (and the
    database refuses amount_credited above total). An unpaid invoice credited in full is void.
    """
    invoice = _lock(invoice)
    if not invoice.is_finalized or invoice.status == Invoice.Status.VOID:
        raise InvalidTransition("Only an open, paid or uncollectible invoice can be credited.", code="invoice_not_creditable")
    amount = invoice.creditable if amount is None else amount
    if not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed("A credit note is for a positive amount.", code="invalid_amount")
    if amount > invoice.creditable:
        raise ValidationFailed(
            f"At most {invoice.creditable} can still be credited on invoice {invoice.number}.", code="credit_above_invoice"
        )
    note = _create_credit_note(invoice, amount=amount, reason=reason, user=user, refund_reference=refund_reference)
    if invoice.status == Invoice.Status.OPEN and not invoice.amount_paid and invoice.creditable == 0:
        _void(invoice)
    return note


def _credit_lines(invoice, amount):
    """The credit's lines: the invoice's own lines when crediting all of an uncredited invoice,
    otherwise one line per VAT rate, the amount shared out in proportion and split into HT and VAT."""
    lines = list(invoice.lines.all())
    if amount == invoice.total and invoice.amount_credited == 0:
        return [
            {
                k: getattr(line, k)
                for k in (
                    "description",
                    "product_ref",
                    "quantity",
                    "unit_amount",
                    "discount_amount",
                    "vat_rate",
                    "net_amount",
                    "vat_amount",
                    "total_amount",
                )
            }
            for line in lines
        ]
    by_rate = defaultdict(int)
    for line in lines:
        by_rate[line.vat_rate] += line.total_amount
    rates = sorted(by_rate)
    result, remaining = [], amount
    for i, rate in enumerate(rates):
        share = remaining if i == len(rates) - 1 else prorate(amount, by_rate[rate], invoice.total)
        remaining -= share
        net = prorate(share, 100, 100 + rate)
        result.append(
            {
                "description": f"Credit on invoice {invoice.number}" + (f" (VAT {rate}%)" if len(rates) > 1 else ""),
                "product_ref": "",
                "quantity": 1,
                "unit_amount": net,
                "discount_amount": 0,
                "vat_rate": rate,
                "net_amount": net,
                "vat_amount": share - net,
                "total_amount": share,
            }
        )
    return [line for line in result if line["total_amount"]]


def _create_credit_note(invoice, *, amount, reason, user=None, refund_reference=""):
    lines = _credit_lines(invoice, amount)
    today = platform_today()
    sequence, number = _next_number("AV", today.year)
    note = CreditNote.objects.create(
        organization=invoice.organization,
        invoice=invoice,
        number=number,
        year=today.year,
        sequence=sequence,
        currency=invoice.currency,
        locale=invoice.locale,
        reason=reason[:300],
        refund_reference=refund_reference,
        net_total=sum(line["net_amount"] for line in lines),
        vat_total=sum(line["vat_amount"] for line in lines),
        total=amount,
        issue_date=today,
        seller=invoice.seller,
        buyer=invoice.buyer,
        created_by=user,
    )
    CreditNoteLine.objects.bulk_create(CreditNoteLine(credit_note=note, position=i, **line) for i, line in enumerate(lines))
    invoice.amount_credited += amount
    invoice.save(update_fields=["amount_credited", "updated_at"])
    from billing.tasks import render_credit_note_pdf

    transaction.on_commit(lambda: render_credit_note_pdf.delay(note.pk))
    logger.info("credit_note_issued note=%s invoice=%s amount=%s", number, invoice.number, amount)
    return note


def refund_to_credit_note(*, invoice, amount, refund_reference, reason="Refund", user=None):
    """What payments calls after a provider refund: the refunded amount becomes a credit note."""
    if amount > invoice.amount_paid:
        raise ValidationFailed("A refund is never above what was paid.", code="refund_above_paid")
    note = issue_credit_note(invoice=invoice, amount=amount, reason=reason, user=user, refund_reference=refund_reference)
    handlers.invoice_refunded(invoice, amount)
    return note


# --- Documents and messages ----------------------------------------------------------------------


def store_invoice_pdf(*, invoice):
    """Render the PDF (Factur-X when required) once; a second call keeps the first file."""
    from billing import documents

    with transaction.atomic():
        invoice = _lock(invoice)
        if invoice.pdf_file or not invoice.is_finalized:
            return invoice
        invoice.pdf_file = documents.save_pdf(f"invoices/{invoice.year}/{invoice.number}.pdf", documents.invoice_pdf(invoice))
        invoice.save(update_fields=["pdf_file", "updated_at"])
    logger.info("invoice_pdf_rendered invoice=%s path=%s", invoice.number, invoice.pdf_file)
    return invoice


def store_credit_note_pdf(*, note):
    from billing import documents

    with transaction.atomic():
        note = CreditNote.objects.select_for_update().select_related("invoice", "organization").get(pk=note.pk)
        if note.pdf_file:
            return note
        note.pdf_file = documents.save_pdf(f"credit-notes/{note.year}/{note.number}.pdf", documents.credit_note_pdf(note))
        note.save(update_fields=["pdf_file"])
    return note


@transaction.atomic
def send_credit_note_issued(*, note):
    """The credit note's email (PDF attached) and notification, once."""
    from billing.emails import credit_note_message
    from notifications.services import notify

    if not CreditNote.objects.filter(pk=note.pk, notified_at__isnull=True).update(notified_at=timezone.now()):
        return False
    title, body = credit_note_message(note)
    attachments = (
        [{"filename": f"{note.number}.pdf", "path": note.pdf_file, "mimetype": "application/pdf"}] if note.pdf_file else []
    )
    notify(
        note.organization,
        "credit_note_issued",
        title=title,
        body=body,
        link=selectors.invoice_url(note.invoice),
        context={"note": note, "invoice": note.invoice},
        attachments=attachments,
        related=note,
    )
    return True


@transaction.atomic
def send_invoice_issued(*, invoice):
    """The "invoice issued" email (PDF attached) and notification, once per invoice."""
    updated = Invoice.objects.filter(pk=invoice.pk, issued_notified_at__isnull=True).update(issued_notified_at=timezone.now())
    if updated:
        _notify(invoice, "invoice_issued", attach_pdf=True)
    return bool(updated)


def resend_invoice(*, invoice):
    """Staff's "resend": the issued email and notification again, with the PDF."""
    if not invoice.is_finalized or not invoice.pdf_file:
        raise InvalidTransition("Only a finalized invoice whose PDF is ready can be sent.", code="invoice_not_ready")
    _notify(invoice, "invoice_issued", attach_pdf=True)


def _notify(invoice, kind, *, attach_pdf=False):
    from billing.emails import invoice_message
    from notifications.services import notify

    title, body = invoice_message(invoice, kind)
    attachments = (
        [{"filename": f"{invoice.number}.pdf", "path": invoice.pdf_file, "mimetype": "application/pdf"}]
        if attach_pdf and invoice.pdf_file
        else []
    )
    notify(
        invoice.organization,
        kind,
        title=title,
        body=body,
        link=selectors.invoice_url(invoice),
        context={"invoice": invoice},
        attachments=attachments,
        related=invoice,
    )


# --- Subscriptions -------------------------------------------------------------------------------


def set_calendar_billing(*, organization, enabled):
    """Calendar billing (on the 1st) from the next period on; the period being billed is kept."""
    from billing.models import BillingSettings

    settings_row, _ = BillingSettings.objects.update_or_create(organization=organization, defaults={"calendar_billing": enabled})
    logger.info("billing_settings org=%s calendar_billing=%s", organization.pk, enabled)
    return settings_row


def _coupon_applies(subscription):
    return bool(subscription.coupon_code) and subscription.coupon_cycles_remaining != 0


def _discountable(spec):
    return spec.product_ref.startswith("plan:") and spec.unit_amount > 0


def _with_coupon(subscription, lines):
    """The plan lines (not add-ons) discounted by the subscription's coupon while it has cycles left; each
    discounted invoice uses one cycle (None = forever)."""
    from coupons.selectors import discount_for, subscription_terms

    if not _coupon_applies(subscription):
        return lines, False
    terms = subscription_terms(code=subscription.coupon_code)
    if not any(_discountable(spec) for spec in lines):
        return lines, False
    discounted = [
        replace(
            spec,
            discount_amount=discount_for(terms=terms, amount=spec.quantity * spec.unit_amount, currency=subscription.currency),
        )
        if _discountable(spec)
        else spec
        for spec in lines
    ]
    if subscription.coupon_cycles_remaining is not None:
        subscription.coupon_cycles_remaining -= 1
        Subscription.objects.filter(pk=subscription.pk).update(coupon_cycles_remaining=subscription.coupon_cycles_remaining)
    return discounted, True


def _bill(subscription, lines, user=None, period_start=None, charges=()):
    """The subscription's invoice for `lines` plus the pending `charges`, which it marks billed."""
    lines, discounted = _with_coupon(subscription, lines)
    invoice = create_invoice(
        period_start=period_start,
        organization=subscription.organization,
        lines=lines + [charge_line(subscription.organization, charge) for charge in charges],
        source_type=Invoice.Source.SUBSCRIPTION,
        source_id=subscription.pk,
        user=user,
        subscription=subscription,
        coupon_code=subscription.coupon_code if discounted else None,
    )
    if charges:
        PendingCharge.objects.filter(pk__in=[charge.pk for charge in charges]).update(invoice=invoice)
    return invoice


# --- Charges for the next invoice ----------------------------------------------------------------


def add_pending_charge(*, organization, line, source_type, source_id, key):
    """Put `line` (a LineSpec; VAT is the one in force when it is billed) on the organization's
    next subscription invoice. Adding the same (source, key) again returns the charge already
    there. Returns (charge, created)."""
    handlers.check_source_type(source_type)
    price_line(line)
    if line.unit_amount < 0 or line.discount_amount:
        raise ValidationFailed("A pending charge is a plain, positive amount.", code="invalid_line")
    charge, created = PendingCharge.objects.get_or_create(
        source_type=source_type,
        source_id=str(source_id),
        key=key,
        defaults={
            "organization": organization,
            "currency": organization.currency,
            "description": line.description,
            "quantity": line.quantity,
            "unit_amount": line.unit_amount,
            "product_ref": line.product_ref,
        },
    )
    if created:
        logger.info("pending_charge org=%s source=%s:%s key=%s", organization.pk, source_type, source_id, key)
    return charge, created


def _pending_charges(subscription):
    return list(
        PendingCharge.objects.select_for_update().filter(
            organization=subscription.organization_id, currency=subscription.currency, invoice__isnull=True
        )
    )


def _bill_final_charges(subscription, at):
    """A subscription that ends still owes its pending charges: one last invoice for them."""
    charges = _pending_charges(subscription)
    if charges:
        _bill(subscription, [], period_start=at, charges=charges)


def _lock_subscription(subscription):
    return Subscription.objects.select_for_update().select_related("organization", "plan").get(pk=subscription.pk)


@transaction.atomic
def subscribe(*, organization, plan, trial=False, user=None, coupon_code=""):
    """A new subscription: a trial (no invoice yet), or the first period invoiced now.

    A coupon code is reserved for the subscription (a refusal is a DomainError naming the reason,
    and rolls everything back); it discounts the plan line of as many invoices as its terms say."""
    price = plan_price(plan, organization.currency)
    if selectors.live_subscription(organization=organization):
        raise Conflict("This organization already has a subscription: change its plan instead.", code="subscription_exists")
    now = timezone.now()
    if trial:
        if not plan.trial_days:
            raise ValidationFailed(f"The {plan.name} plan has no trial.", code="no_trial")
        if Subscription.objects.filter(organization=organization, trial_end__isnull=False).exists():
            raise ValidationFailed("This organization has already had a trial.", code="trial_used")
    end, num, den = (now + timedelta(days=plan.trial_days), 1, 1) if trial else period_from(organization, now, plan)
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(
                organization=organization,
                plan=plan,
                currency=organization.currency,
                status=Subscription.Status.TRIALING if trial else Subscription.Status.ACTIVE,
                current_period_start=now,
                current_period_end=end,
                trial_end=end if trial else None,
            )
    except IntegrityError:
        raise Conflict("This organization already has a subscription.", code="subscription_exists") from None
    if coupon_code and coupon_code.strip():
        _attach_coupon(subscription, coupon_code.strip(), price, user)
    if not trial and price:
        _bill(subscription, [plan_line(subscription, plan, prorate(price, num, den), now, end)], user=user, period_start=now)
    logger.info("subscribed org=%s plan=%s trial=%s coupon=%s", organization.pk, plan.code, trial, subscription.coupon_code)
    return subscription


def _attach_coupon(subscription, code, price, user):
    from coupons import selectors as coupon_selectors
    from coupons import services as coupon_services

    usage = coupon_services.reserve(
        code=code,
        organization=subscription.organization,
        user=user,
        amount=price,
        currency=subscription.currency,
        target_type="subscription",
        target_id=subscription.pk,
        plan_code=subscription.plan.code,
    )
    terms = coupon_selectors.subscription_terms(code=usage.coupon.code)
    subscription.coupon_code, subscription.coupon_cycles_remaining = terms.code, terms.invoice_count
    subscription.save(update_fields=["coupon_code", "coupon_cycles_remaining", "updated_at"])


@transaction.atomic
def change_plan(*, subscription, plan, user=None):
    """A dearer plan starts now, prorated on one invoice; a cheaper one waits for the period's end.

    In a trial, a dearer plan ends the trial: its first period starts and is invoiced now (there is
    nothing paid to credit); a cheaper one just replaces the plan for the rest of the trial."""
    subscription = _lock_subscription(subscription)
    if subscription.status not in (Subscription.Status.TRIALING, Subscription.Status.ACTIVE):
        raise InvalidTransition(
            "Only an active or trialing subscription can change plan: settle what is due first.",
            code="subscription_not_changeable",
        )
    if plan.pk == subscription.plan_id:
        raise ValidationFailed("This is already your plan.", code="same_plan")
    currency = subscription.currency
    new_yearly, old_yearly = yearly_price(plan, currency), yearly_price(subscription.plan, currency)
    if subscription.status == Subscription.Status.TRIALING and new_yearly > old_yearly:
        _end_trial_on(subscription, plan, user)
    elif subscription.status == Subscription.Status.TRIALING:
        subscription.plan, subscription.scheduled_plan = plan, None
        subscription.save(update_fields=["plan", "scheduled_plan", "updated_at"])
    elif new_yearly > old_yearly:
        _upgrade_now(subscription, plan, user)
    else:
        subscription.scheduled_plan = plan
        subscription.save(update_fields=["scheduled_plan", "updated_at"])
    logger.info(
        "plan_changed subscription=%s to=%s scheduled=%s", subscription.pk, plan.code, bool(subscription.scheduled_plan_id)
    )
    return subscription


def _end_trial_on(subscription, plan, user):
    now = timezone.now()
    end, num, den = period_from(subscription.organization, now, plan)
    SUBSCRIPTION_MACHINE.advance(
        subscription,
        Subscription.Status.ACTIVE,
        plan=plan,
        scheduled_plan=None,
        trial_end=now,
        current_period_start=now,
        current_period_end=end,
    )
    price = prorate(plan_price(plan, subscription.currency), num, den)
    if price:
        _bill(subscription, [plan_line(subscription, plan, price, now, end)], user=user, period_start=now)


def _upgrade_now(subscription, plan, user):
    now = timezone.now()
    old_plan, currency = subscription.plan, subscription.currency
    old_price, new_price = plan_price(old_plan, currency), plan_price(plan, currency)
    same_interval = old_plan.interval == plan.interval and old_price > 0
    start, end = subscription.current_period_start, subscription.current_period_end
    credit, charge = proration(
        old_price=old_price, new_price=new_price, start=start, end=end, now=now, same_interval=same_interval
    )
    new_end = end if same_interval else add_interval(now, plan.interval)
    lines = []
    if credit:
        lines.append(plan_line(subscription, old_plan, -credit, now, end, kind="unused"))
    lines.append(plan_line(subscription, plan, charge, now, new_end, kind="remaining" if same_interval else ""))
    subscription.plan, subscription.scheduled_plan = plan, None
    subscription.cancel_at_period_end = False
    if not same_interval:
        subscription.current_period_start, subscription.current_period_end = now, new_end
    subscription.save()
    _bill(subscription, lines, user=user)


@transaction.atomic
def cancel_subscription(*, subscription, at_period_end=True):
    subscription = _lock_subscription(subscription)
    if not subscription.is_live:
        raise InvalidTransition("This subscription has already ended.", code="subscription_ended")
    if at_period_end:
        if subscription.cancel_at_period_end:
            raise InvalidTransition("This subscription is already set to end with its period.", code="already_canceling")
        subscription.cancel_at_period_end = True
        subscription.canceled_at = timezone.now()
        subscription.save(update_fields=["cancel_at_period_end", "canceled_at", "updated_at"])
        return subscription
    now = timezone.now()
    SUBSCRIPTION_MACHINE.advance(subscription, Subscription.Status.CANCELED, canceled_at=now, ended_at=now, scheduled_plan=None)
    _release_coupon(subscription)
    _bill_final_charges(subscription, now)
    return subscription


def _release_coupon(subscription):
    """A subscription that ends before its first payment gives its coupon use back (a no-op once paid)."""
    if subscription.coupon_code:
        from coupons import services as coupon_services

        coupon_services.release(target_type="subscription", target_id=subscription.pk)


@transaction.atomic
def resume_subscription(*, subscription):
    """Undo a cancellation at period end, before the period ends."""
    subscription = _lock_subscription(subscription)
    if not subscription.is_live or not subscription.cancel_at_period_end:
        raise InvalidTransition("Only a subscription set to end with its period can be resumed.", code="not_resumable")
    subscription.cancel_at_period_end = False
    subscription.canceled_at = None
    subscription.save(update_fields=["cancel_at_period_end", "canceled_at", "updated_at"])
    return subscription


@transaction.atomic
def suspend_subscription(*, subscription):
    subscription = _lock_subscription(subscription)
    return SUBSCRIPTION_MACHINE.advance(subscription, Subscription.Status.SUSPENDED, suspended_at=timezone.now())


@transaction.atomic
def mark_past_due(*, subscription):
    """An invoice of the subscription is overdue: it stays usable, but dunning has started."""
    subscription = _lock_subscription(subscription)
    return SUBSCRIPTION_MACHINE.advance(subscription, Subscription.Status.PAST_DUE)


@transaction.atomic
def reactivate_subscription(*, subscription):
    """Staff's reactivation. A trial that ended unpaid starts its first paid period now (invoiced,
    or the period of the invoice the customer already asked for): renewing from the trial's end
    would bill the weeks it spent suspended."""
    subscription = _lock_subscription(subscription)
    if subscription.status not in (Subscription.Status.SUSPENDED, Subscription.Status.PAST_DUE):
        raise InvalidTransition("Only a suspended or past-due subscription can be reactivated.", code="not_reactivable")
    period = {}
    if subscription.suspended_at_trial_end:
        waiting = _waiting_first_invoice(subscription)
        if waiting is not None:
            period = first_paid_period(subscription=subscription, invoice=waiting)
        else:
            period, _ = _bill_first_period(subscription, None)
    return SUBSCRIPTION_MACHINE.advance(subscription, Subscription.Status.ACTIVE, suspended_at=None, **period)


@transaction.atomic
def first_period_invoice(subscription, user):
    """The open invoice of the first paid period of a trial suspended at its end: the one waiting, or
    a new one (None on a free plan, which is active again at once)."""
    subscription = _lock_subscription(subscription)
    if not subscription.suspended_at_trial_end:
        raise InvalidTransition("Only a trial suspended at its end can be restarted.", code="not_restartable")
    waiting = _waiting_first_invoice(subscription)
    if waiting is not None:
        return waiting
    period, invoice = _bill_first_period(subscription, user)
    if invoice is None:
        SUBSCRIPTION_MACHINE.advance(subscription, Subscription.Status.ACTIVE, suspended_at=None, **period)
    return invoice


def _waiting_first_invoice(subscription):
    return subscription.invoices.filter(status=Invoice.Status.OPEN, period_start__gt=subscription.trial_end).first()


def _bill_first_period(subscription, user):
    """Invoice the first paid period of a trial that ended unpaid, from now, with the pending
    charges. Returns (the period's fields, the invoice or None on a free plan)."""
    plan, now = subscription.plan, timezone.now()
    end, num, den = period_from(subscription.organization, now, plan)
    price = prorate(plan_price(plan, subscription.currency), num, den)
    invoice = None
    if price:
        line = plan_line(subscription, plan, price, now, end)
        invoice = _bill(subscription, [line], user=user, period_start=now, charges=_pending_charges(subscription))
    return {"current_period_start": now, "current_period_end": end}, invoice


def first_paid_period(*, subscription, invoice):
    """{current_period_start, current_period_end} that a trial suspended at its end takes when
    `invoice` is the one restart_after_trial issued for it, else None."""
    if invoice.subscription_id != subscription.pk or invoice.period_start is None:
        return None
    if invoice.period_start <= subscription.trial_end:
        return None
    end, _, _ = period_from(subscription.organization, invoice.period_start, subscription.plan)
    return {"current_period_start": invoice.period_start, "current_period_end": end}


@transaction.atomic
def extend_trial(*, subscription, days):
    subscription = _lock_subscription(subscription)
    if subscription.status != Subscription.Status.TRIALING:
        raise InvalidTransition("Only a subscription in trial can have its trial extended.", code="not_trialing")
    if not 1 <= days <= 90:
        raise ValidationFailed("A trial is extended by 1 to 90 days.", code="invalid_days")
    subscription.trial_end += timedelta(days=days)
    subscription.current_period_end = subscription.trial_end
    subscription.save(update_fields=["trial_end", "current_period_end", "updated_at"])
    return subscription


@transaction.atomic
def renew_subscription(*, subscription, now=None):
    """At the end of a period: end it if canceled, else apply a scheduled downgrade, start the next
    period and invoice it with the pending charges (an add-on's renewal). An ending subscription
    bills its pending charges on a final invoice. Does nothing before the period's end, so running
    twice is safe."""
    now = now or timezone.now()
    subscription = _lock_subscription(subscription)
    end = subscription.current_period_end
    if not subscription.is_live or end > now or subscription.status == Subscription.Status.SUSPENDED:
        return subscription
    if subscription.cancel_at_period_end:
        SUBSCRIPTION_MACHINE.advance(subscription, Subscription.Status.CANCELED, ended_at=end)
        _release_coupon(subscription)
        _bill_final_charges(subscription, end)
        return subscription
    plan = subscription.scheduled_plan or subscription.plan
    price = plan.price_in(subscription.currency)
    if price is None or not plan.is_active:
        SUBSCRIPTION_MACHINE.advance(subscription, Subscription.Status.EXPIRED, ended_at=end)
        _bill_final_charges(subscription, end)
        return subscription
    new_end, num, den = period_from(subscription.organization, end, plan)
    price = prorate(price, num, den)
    status = Subscription.Status.ACTIVE if subscription.status == Subscription.Status.TRIALING else subscription.status
    subscription.plan, subscription.scheduled_plan = plan, None
    subscription.current_period_start, subscription.current_period_end = end, new_end
    if status != subscription.status:
        SUBSCRIPTION_MACHINE.advance(subscription, status, save=False)
    subscription.save()
    lines = [plan_line(subscription, plan, price, end, new_end)] if price else []
    charges = _pending_charges(subscription)
    if lines or charges:
        _bill(subscription, lines, period_start=end, charges=charges)
    logger.info("subscription_renewed subscription=%s plan=%s until=%s", subscription.pk, plan.code, new_end.isoformat())
    return subscription


def _subscription_paid(invoice):
    """A paid subscription invoice makes its coupon use final (a no-op after the first)."""
    subscription = invoice.subscription
    if subscription and subscription.coupon_code:
        from coupons import services as coupon_services

        coupon_services.confirm(target_type="subscription", target_id=subscription.pk)
