"""Subscriptions: subscribe (with a trial or a coupon), change plan (prorated upgrade now,
downgrade at the period's end), cancel, resume, suspend, reactivate, extend a trial, renew one
period. Each invoice they need goes through the invoice services; charging a card is
billing.recurring's job, never theirs.
"""

import logging
from dataclasses import replace
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import pricing, selectors
from billing.models import SUBSCRIPTION_MACHINE, BillingSettings, Invoice, PendingCharge, Subscription
from billing.services import invoices
from billing.services.charges import pending_charges
from core.errors import Conflict, InvalidTransition, ValidationFailed
from core.money import prorate
from coupons import selectors as coupon_selectors
from coupons import services as coupon_services

logger = logging.getLogger("webox.billing")


def set_calendar_billing(*, organization, enabled):
    """Calendar billing (on the 1st) from the next period on; the period being billed is kept."""
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
    if not _coupon_applies(subscription):
        return lines, False
    terms = coupon_selectors.subscription_terms(code=subscription.coupon_code)
    if not any(_discountable(spec) for spec in lines):
        return lines, False
    discounted = [
        replace(
            spec,
            discount_amount=coupon_selectors.discount_for(
                terms=terms, amount=spec.quantity * spec.unit_amount, currency=subscription.currency
            ),
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
    invoice = invoices.create_invoice(
        period_start=period_start,
        organization=subscription.organization,
        lines=lines + [pricing.charge_line(subscription.organization, charge) for charge in charges],
        source_type=Invoice.Source.SUBSCRIPTION,
        source_id=subscription.pk,
        user=user,
        subscription=subscription,
        coupon_code=subscription.coupon_code if discounted else None,
    )
    if charges:
        PendingCharge.objects.filter(pk__in=[charge.pk for charge in charges]).update(invoice=invoice)
    return invoice


def _bill_final_charges(subscription, at):
    """A subscription that ends still owes its pending charges: one last invoice for them."""
    charges = pending_charges(subscription)
    if charges:
        _bill(subscription, [], period_start=at, charges=charges)


def _lock_subscription(subscription):
    return Subscription.objects.select_for_update().select_related("organization", "plan").get(pk=subscription.pk)


@transaction.atomic
def subscribe(*, organization, plan, trial=False, user=None, coupon_code=""):
    """A new subscription: a trial (no invoice yet), or the first period invoiced now.

    A coupon code is reserved for the subscription (a refusal is a DomainError naming the reason,
    and rolls everything back); it discounts the plan line of as many invoices as its terms say."""
    price = pricing.plan_price(plan, organization.currency)
    if selectors.live_subscription(organization=organization):
        raise Conflict("This organization already has a subscription: change its plan instead.", code="subscription_exists")
    now = timezone.now()
    if trial:
        if not plan.trial_days:
            raise ValidationFailed(f"The {plan.name} plan has no trial.", code="no_trial")
        if Subscription.objects.filter(organization=organization, trial_end__isnull=False).exists():
            raise ValidationFailed("This organization has already had a trial.", code="trial_used")
    end, num, den = (now + timedelta(days=plan.trial_days), 1, 1) if trial else pricing.period_from(organization, now, plan)
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
        _bill(
            subscription, [pricing.plan_line(subscription, plan, prorate(price, num, den), now, end)], user=user, period_start=now
        )
    logger.info("subscribed org=%s plan=%s trial=%s coupon=%s", organization.pk, plan.code, trial, subscription.coupon_code)
    return subscription


def _attach_coupon(subscription, code, price, user):
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
    new_yearly, old_yearly = pricing.yearly_price(plan, currency), pricing.yearly_price(subscription.plan, currency)
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
    end, num, den = pricing.period_from(subscription.organization, now, plan)
    SUBSCRIPTION_MACHINE.advance(
        subscription,
        Subscription.Status.ACTIVE,
        plan=plan,
        scheduled_plan=None,
        trial_end=now,
        current_period_start=now,
        current_period_end=end,
    )
    price = prorate(pricing.plan_price(plan, subscription.currency), num, den)
    if price:
        _bill(subscription, [pricing.plan_line(subscription, plan, price, now, end)], user=user, period_start=now)


def _upgrade_now(subscription, plan, user):
    now = timezone.now()
    old_plan, currency = subscription.plan, subscription.currency
    old_price, new_price = pricing.plan_price(old_plan, currency), pricing.plan_price(plan, currency)
    same_interval = old_plan.interval == plan.interval and old_price > 0
    start, end = subscription.current_period_start, subscription.current_period_end
    credit, charge = pricing.proration(
        old_price=old_price, new_price=new_price, start=start, end=end, now=now, same_interval=same_interval
    )
    new_end = end if same_interval else pricing.add_interval(now, plan.interval)
    lines = []
    if credit:
        lines.append(pricing.plan_line(subscription, old_plan, -credit, now, end, kind="unused"))
    lines.append(pricing.plan_line(subscription, plan, charge, now, new_end, kind="remaining" if same_interval else ""))
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
    end, num, den = pricing.period_from(subscription.organization, now, plan)
    price = prorate(pricing.plan_price(plan, subscription.currency), num, den)
    invoice = None
    if price:
        line = pricing.plan_line(subscription, plan, price, now, end)
        invoice = _bill(subscription, [line], user=user, period_start=now, charges=pending_charges(subscription))
    return {"current_period_start": now, "current_period_end": end}, invoice


def first_paid_period(*, subscription, invoice):
    """{current_period_start, current_period_end} that a trial suspended at its end takes when
    `invoice` is the one restart_after_trial issued for it, else None."""
    if invoice.subscription_id != subscription.pk or invoice.period_start is None:
        return None
    if invoice.period_start <= subscription.trial_end:
        return None
    end, _, _ = pricing.period_from(subscription.organization, invoice.period_start, subscription.plan)
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
    new_end, num, den = pricing.period_from(subscription.organization, end, plan)
    price = prorate(price, num, den)
    status = Subscription.Status.ACTIVE if subscription.status == Subscription.Status.TRIALING else subscription.status
    subscription.plan, subscription.scheduled_plan = plan, None
    subscription.current_period_start, subscription.current_period_end = end, new_end
    if status != subscription.status:
        SUBSCRIPTION_MACHINE.advance(subscription, status, save=False)
    subscription.save()
    lines = [pricing.plan_line(subscription, plan, price, end, new_end)] if price else []
    charges = pending_charges(subscription)
    if lines or charges:
        _bill(subscription, lines, period_start=end, charges=charges)
    logger.info("subscription_renewed subscription=%s plan=%s until=%s", subscription.pk, plan.code, new_end.isoformat())
    return subscription


def subscription_invoice_paid(invoice):
    """A paid subscription invoice makes its coupon use final (a no-op after the first)."""
    subscription = invoice.subscription
    if subscription and subscription.coupon_code:
        coupon_services.confirm(target_type="subscription", target_id=subscription.pk)
