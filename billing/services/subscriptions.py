"""Subscriptions: subscribe (with a trial or a coupon), change plan (prorated upgrade now,
downgrade at the period's end), cancel, resume, suspend, reactivate, extend a trial, renew one
period. Each invoice they need goes through the invoice services; charging a card is
billing.recurring's job, never theirs.
"""

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import handlers, pricing, selectors
from billing.models import SUBSCRIPTION_MACHINE, BillingSettings, Invoice, InvoiceLine, PendingCharge, Subscription
from billing.services import credit_notes, invoices
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


def _discountable(spec, terms):
    """A charge for a plan (not an add-on, not a credit) that the coupon is valid for."""
    return spec.product_ref.startswith("plan:") and spec.unit_amount > 0 and terms.covers_plan(spec.product_ref[5:])


def _with_coupon(subscription, lines):
    """The plan lines (not add-ons) of the plans in the coupon's scope, discounted by the
    subscription's coupon while it has cycles left. Returns (lines, discounted); writes nothing:
    an invoice with no line in scope (an upgrade to a plan the coupon is not for, and that plan's
    renewals) is not discounted and so spends no cycle."""
    if not _coupon_applies(subscription) or not any(spec.product_ref.startswith("plan:") for spec in lines):
        return lines, False
    terms = coupon_selectors.subscription_terms(code=subscription.coupon_code)
    if not any(_discountable(spec, terms) for spec in lines):
        return lines, False
    discounted = [
        replace(
            spec,
            discount_amount=coupon_selectors.discount_for(
                terms=terms, amount=spec.quantity * spec.unit_amount, currency=subscription.currency
            ),
        )
        if _discountable(spec, terms)
        else spec
        for spec in lines
    ]
    return discounted, True


def _spend_cycle(subscription):
    """A discounted period invoice uses one of the coupon's cycles (None = forever)."""
    if subscription.coupon_cycles_remaining is not None:
        subscription.coupon_cycles_remaining -= 1
        Subscription.objects.filter(pk=subscription.pk).update(coupon_cycles_remaining=subscription.coupon_cycles_remaining)
        handlers.revenue_changed(organization_id=subscription.organization_id, recurring=True)


def _bill(subscription, lines, user=None, period_start=None, charges=(), spend_cycle=True):
    """The subscription's invoice for `lines` plus the pending `charges`, which it marks billed.
    An upgrade's invoice is discounted like the period it falls in without using a cycle."""
    lines, discounted = _with_coupon(subscription, lines)
    if discounted and spend_cycle:
        _spend_cycle(subscription)
    invoice = invoices.create_invoice(
        period_start=period_start,
        organization=subscription.organization,
        lines=lines + [pricing.charge_line(charge) for charge in charges],
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
        raise Conflict(_("This organization already has a subscription: change its plan instead."), code="subscription_exists")
    now = timezone.now()
    if trial:
        if not plan.trial_days:
            raise ValidationFailed(_("The %(plan)s plan has no trial.") % {"plan": plan.name}, code="no_trial")
        if selectors.trial_used(organization=organization):
            raise ValidationFailed(_("This organization has already had a trial."), code="trial_used")
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
                billing_anchor_day=end.day if trial else now.day,
            )
    except IntegrityError:
        raise Conflict(_("This organization already has a subscription."), code="subscription_exists") from None
    if coupon_code and coupon_code.strip():
        _attach_coupon(subscription, coupon_code.strip(), price, user)
    if not trial and price:
        _bill(
            subscription, [pricing.plan_line(subscription, plan, prorate(price, num, den), now, end)], user=user, period_start=now
        )
    handlers.subscription_changed(subscription)
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
    subscription.coupon_code, subscription.coupon_cycles_remaining = terms.code, terms.invoice_count(subscription.plan.interval)
    subscription.save(update_fields=["coupon_code", "coupon_cycles_remaining", "updated_at"])


@dataclass(frozen=True)
class PlanChange:
    """What moving to `plan` does, computed once for the preview and for the change itself.

    kind: "upgrade" (invoiced now; the plan changes once that invoice is paid), "downgrade" (at
    the period's end, nothing invoiced now), "trial_upgrade" (the trial ends and the first period
    is invoiced now) or "trial_switch" (the plan changes for the rest of the trial).
    `lines` are the invoice's (discounted as it will be); `credit` is the unused time of the
    current plan, from what was billed for it (after its discount and credit notes); when it is
    above what the new plan costs, it is not put on the invoice but credited (tax included) by a
    credit note on `credit_invoice`, to the customer balance that then pays the invoice."""

    subscription: Subscription
    plan: object
    kind: str
    effective_at: datetime
    period_start: datetime
    period_end: datetime
    lines: list = field(default_factory=list)
    credit: int = 0
    credit_invoice: Invoice | None = None
    credit_lines: list = field(default_factory=list)

    @property
    def priced_lines(self):
        return pricing.price_lines(self.subscription.organization, self.lines, on=pricing.platform_today())

    @property
    def amounts(self):
        return pricing.totals(self.priced_lines)

    @property
    def credit_note_total(self):
        if not self.credit_lines:
            return 0
        return sum(line["total_amount"] for line in credit_notes.price_credit_lines(self.credit_invoice, self.credit_lines))

    @property
    def from_balance(self):
        """What the customer balance will pay of the invoice (the credit note's share of money
        already paid included)."""
        credited = self.credit_note_total if self.credit_invoice and self.credit_invoice.status == Invoice.Status.PAID else 0
        available = selectors.balance_for(organization=self.subscription.organization, currency=self.subscription.currency)
        return min(self.amounts["total"], available + credited) if self.lines else 0

    @property
    def balance_left(self):
        """What the credit note leaves on the balance once the invoice is paid from it."""
        credited = self.credit_note_total if self.credit_invoice and self.credit_invoice.status == Invoice.Status.PAID else 0
        return max(credited - self.amounts["total"], 0) if self.lines else credited

    @property
    def amount_due(self):
        return self.amounts["total"] - self.from_balance if self.lines else 0


def _check_changeable(subscription, plan):
    if subscription.status not in (Subscription.Status.TRIALING, Subscription.Status.ACTIVE):
        raise InvalidTransition(
            _("Only an active or trialing subscription can change plan: settle what is due first."),
            code="subscription_not_changeable",
        )
    if plan.pk == subscription.plan_id:
        raise ValidationFailed(_("This is already your plan."), code="same_plan", fields={"plan": [_("Your current plan.")]})
    if subscription.pending_invoice_id:
        raise Conflict(
            _("An upgrade is waiting for its invoice to be paid: pay it or cancel that change first."),
            code="plan_change_pending",
        )


def _billed_for_current_plan(subscription):
    """(net amount billed for the current plan in this period after its discount and credit
    notes, the moment that amount covers from, the invoice), from the latest such plan line on
    an open or paid invoice; (0, None, None) when nothing was billed (a free plan, a trial)."""
    line = (
        InvoiceLine.objects.filter(
            invoice__subscription=subscription,
            invoice__status__in=[Invoice.Status.OPEN, Invoice.Status.PAID],
            invoice__created_at__gte=subscription.current_period_start,
            product_ref=f"plan:{subscription.plan.code}",
            net_amount__gt=0,
        )
        .select_related("invoice")
        .order_by("-invoice__created_at", "-invoice_id")
        .first()
    )
    if line is None:
        return 0, None, None
    invoice = line.invoice
    billed = prorate(line.net_amount, invoice.total - invoice.amount_credited, invoice.total)
    return billed, max(invoice.period_start or invoice.created_at, subscription.current_period_start), invoice


def preview_plan_change(*, subscription, plan, now=None):
    """The PlanChange moving `subscription` to `plan` would make (writes nothing). Refused as
    change_plan refuses it: the same plan, a subscription that cannot change, a plan not sold in
    its currency, an upgrade already waiting for its payment."""
    _check_changeable(subscription, plan)
    now = now or timezone.now()
    currency, old_plan = subscription.currency, subscription.plan
    new_yearly, old_yearly = pricing.yearly_price(plan, currency), pricing.yearly_price(old_plan, currency)
    start, end = subscription.current_period_start, subscription.current_period_end
    if subscription.status == Subscription.Status.TRIALING:
        if new_yearly <= old_yearly:
            return PlanChange(subscription, plan, "trial_switch", now, start, end)
        new_end, num, den = pricing.period_from(subscription.organization, now, plan)
        price = prorate(pricing.plan_price(plan, currency), num, den)
        lines, _discounted = _with_coupon(subscription, [pricing.plan_line(subscription, plan, price, now, new_end)])
        return PlanChange(subscription, plan, "trial_upgrade", now, now, new_end, lines if price else [])
    if new_yearly <= old_yearly:
        return PlanChange(subscription, plan, "downgrade", end, end, pricing.add_interval(end, plan.interval))
    new_price = pricing.plan_price(plan, currency)
    billed, covered_from, billed_on = _billed_for_current_plan(subscription)
    remaining = max(int((end - now).total_seconds()), 0)
    credit = prorate(billed, remaining, int((end - covered_from).total_seconds())) if billed else 0
    if old_plan.interval == plan.interval and billed:
        period_start, period_end = now, end
        charge = prorate(new_price, remaining, int((end - start).total_seconds()))
        kind = "remaining"
    else:
        period_start, period_end = now, pricing.add_interval(now, plan.interval)
        charge, kind = new_price, ""
    lines, _discounted = _with_coupon(subscription, [pricing.plan_line(subscription, plan, charge, now, period_end, kind=kind)])
    change = PlanChange(subscription, plan, "upgrade", now, period_start, period_end, lines, credit, billed_on)
    unused = pricing.plan_line(subscription, old_plan, credit, now, end, kind="unused")
    if credit and credit <= sum(spec.unit_amount - spec.discount_amount for spec in lines):
        return replace(change, lines=[replace(unused, unit_amount=-credit), *lines])
    if credit:
        # More unused time than the new plan costs: a credit note on the invoice that billed it
        # (its paid part goes to the balance, which then pays the upgrade), never a negative invoice.
        return replace(change, credit_lines=[unused])
    return change


@transaction.atomic
def change_plan(*, subscription, plan, user=None):
    """Move to `plan` as preview_plan_change says. A dearer plan is invoiced now (the unused time
    of the current one credited) and starts once that invoice is paid (at once when the balance
    or a credit pays it); a cheaper one waits for the period's end and can be undone until then.
    In a trial, a dearer plan ends the trial: its first period starts and is invoiced now; a
    cheaper one just replaces the plan for the rest of the trial. Returns (subscription, the
    invoice issued or None); charging it is billing.recurring's job."""
    # The subscription first, then the invoice the unused time is credited on: the order of the
    # dunning run too (its step's foreign key share-locks the invoice at commit, after it marked
    # the subscription past due), so the two never deadlock. The paths that take an invoice and
    # then the subscription (paying or voiding an upgrade's invoice, reactivating a past-due
    # subscription) are those where the checks below refuse a change before it locks an invoice.
    subscription = _lock_subscription(subscription)
    change = preview_plan_change(subscription=subscription, plan=plan)
    invoice = None
    if change.kind == "trial_upgrade":
        invoice = _end_trial_on(subscription, change, user)
    elif change.kind == "trial_switch":
        _restate_cycles(subscription, subscription.plan.interval, plan.interval)
        subscription.plan, subscription.scheduled_plan = plan, None
        subscription.save(update_fields=["plan", "scheduled_plan", "coupon_cycles_remaining", "updated_at"])
    elif change.kind == "downgrade":
        subscription.scheduled_plan = plan
        subscription.save(update_fields=["scheduled_plan", "updated_at"])
    else:
        invoice = _upgrade(subscription, change, user)
    handlers.subscription_changed(subscription)
    logger.info("plan_change subscription=%s to=%s kind=%s", subscription.pk, plan.code, change.kind)
    return subscription, invoice


def _end_trial_on(subscription, change, user):
    now = change.effective_at
    _restate_cycles(subscription, subscription.plan.interval, change.plan.interval)
    SUBSCRIPTION_MACHINE.advance(
        subscription,
        Subscription.Status.ACTIVE,
        plan=change.plan,
        scheduled_plan=None,
        trial_end=now,
        current_period_start=now,
        current_period_end=change.period_end,
        billing_anchor_day=now.day,
        coupon_cycles_remaining=subscription.coupon_cycles_remaining,
    )
    if not change.lines:
        return None
    return _bill(subscription, [replace(spec, discount_amount=0) for spec in change.lines], user=user, period_start=now)


def _upgrade(subscription, change, user):
    if change.credit_lines:
        credit_notes.issue_credit_note(
            invoice=change.credit_invoice, lines=change.credit_lines, reason=_("Unused time before a plan change"), user=user
        )
    new_period = change.period_start if change.period_end != subscription.current_period_end else None
    lines = [replace(spec, discount_amount=0) for spec in change.lines]
    invoice = _bill(subscription, lines, user=user, period_start=new_period, spend_cycle=False)
    if invoice.status == Invoice.Status.PAID:
        _apply_upgrade(subscription, change.plan, invoice)
    else:
        subscription.pending_plan, subscription.pending_invoice = change.plan, invoice
        subscription.save(update_fields=["pending_plan", "pending_invoice", "updated_at"])
    return invoice


def _apply_upgrade(subscription, plan, invoice):
    """The paid upgrade takes effect: the new plan, and a new period when its invoice started one."""
    if invoice.period_start is not None:
        _restate_cycles(
            subscription,
            subscription.plan.interval,
            plan.interval,
            used=bool(invoice.coupon_code),
            unused_months=_unused_discounted_months(subscription, invoice.period_start),
        )
    subscription.plan, subscription.scheduled_plan = plan, None
    subscription.pending_plan = subscription.pending_invoice = None
    subscription.cancel_at_period_end, subscription.canceled_at = False, None
    if invoice.period_start is not None:
        subscription.current_period_start = invoice.period_start
        subscription.current_period_end = pricing.add_interval(invoice.period_start, plan.interval)
        subscription.billing_anchor_day = invoice.period_start.day
    subscription.save()
    handlers.subscription_changed(subscription)
    logger.info("plan_upgraded subscription=%s plan=%s invoice=%s", subscription.pk, plan.code, invoice.number)


def _restate_cycles(subscription, old_interval, new_interval, *, used=False, unused_months=0):
    """A repeating coupon lasts months whatever the interval: when the plan moves to another
    interval (an upgrade starting a new period, a downgrade at the renewal, a trial moved or ended
    by another plan), the cycles left, counted in periods of the old interval, become periods of
    the new one. `unused_months`: whole months of a discounted period an upgrade cut short (credited
    at what was paid for them, so their discount was not used); `used`: the upgrade's own period
    was discounted and took its months. Never more than the coupon gives from its start in the
    new interval (a 3-month coupon on a yearly trial moved to monthly: 3 months, not 12).
    3 months, one spent monthly, then a discounted yearly upgrade: nothing left, not two years."""
    if old_interval == new_interval or not subscription.coupon_code or subscription.coupon_cycles_remaining is None:
        return
    months = {"month": 1, "year": 12}
    left = subscription.coupon_cycles_remaining * months[old_interval] + unused_months - (months[new_interval] if used else 0)
    whole = coupon_selectors.subscription_terms(code=subscription.coupon_code).invoice_count(new_interval)
    subscription.coupon_cycles_remaining = min(max(0, -(-left // months[new_interval])), whole)


def _unused_discounted_months(subscription, at):
    """Whole months left from `at` to the end of the current period when the invoice that billed
    it was discounted by the subscription's coupon (0 otherwise)."""
    _billed, _covered_from, billed_on = _billed_for_current_plan(subscription)
    if billed_on is None or not billed_on.coupon_code:
        return 0
    left = relativedelta(subscription.current_period_end, at)
    return max(left.years * 12 + left.months, 0)


def undo_plan_change(*, subscription, user=None):
    """Undo what a plan change left waiting: a downgrade scheduled for the period's end, or an
    upgrade whose invoice is not paid yet (that invoice is voided; a payment in progress must be
    canceled first)."""
    subscription = Subscription.objects.select_related("pending_invoice").get(pk=subscription.pk)
    if subscription.pending_invoice_id:
        # The invoice's lock first (its paid and voided handlers then lock the subscription).
        credit_notes.void_invoice(invoice=subscription.pending_invoice, reason=_("Plan change canceled"), user=user)
        return _lock_subscription(subscription)
    with transaction.atomic():
        subscription = _lock_subscription(subscription)
        if not subscription.scheduled_plan_id:
            raise InvalidTransition(_("There is no plan change to undo."), code="no_plan_change")
        subscription.scheduled_plan = None
        subscription.save(update_fields=["scheduled_plan", "updated_at"])
    logger.info("plan_change_undone subscription=%s", subscription.pk)
    return subscription


@transaction.atomic
def cancel_subscription(*, subscription, at_period_end=True):
    subscription = _lock_subscription(subscription)
    if not subscription.is_live:
        raise InvalidTransition(_("This subscription has already ended."), code="subscription_ended")
    if at_period_end:
        if subscription.cancel_at_period_end:
            raise InvalidTransition(_("This subscription is already set to end with its period."), code="already_canceling")
        subscription.cancel_at_period_end = True
        subscription.canceled_at = timezone.now()
        subscription.save(update_fields=["cancel_at_period_end", "canceled_at", "updated_at"])
        return subscription
    now = timezone.now()
    SUBSCRIPTION_MACHINE.advance(subscription, Subscription.Status.CANCELED, canceled_at=now, ended_at=now, scheduled_plan=None)
    _release_coupon(subscription)
    _bill_final_charges(subscription, now)
    handlers.subscription_changed(subscription)
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
        raise InvalidTransition(_("Only a subscription set to end with its period can be resumed."), code="not_resumable")
    subscription.cancel_at_period_end = False
    subscription.canceled_at = None
    subscription.save(update_fields=["cancel_at_period_end", "canceled_at", "updated_at"])
    return subscription


@transaction.atomic
def suspend_subscription(*, subscription):
    subscription = _lock_subscription(subscription)
    SUBSCRIPTION_MACHINE.advance(subscription, Subscription.Status.SUSPENDED, suspended_at=timezone.now())
    handlers.subscription_changed(subscription)
    return subscription


@transaction.atomic
def mark_past_due(*, subscription):
    """An invoice of the subscription is overdue: it stays usable, but dunning has started."""
    subscription = _lock_subscription(subscription)
    SUBSCRIPTION_MACHINE.advance(subscription, Subscription.Status.PAST_DUE)
    handlers.revenue_changed(organization_id=subscription.organization_id, recurring=True)
    return subscription


@transaction.atomic
def reactivate_subscription(*, subscription):
    """Staff's reactivation. A trial that ended unpaid starts its first paid period now (invoiced,
    or the period of the invoice the customer already asked for): renewing from the trial's end
    would bill the weeks it spent suspended."""
    subscription = _lock_subscription(subscription)
    if subscription.status not in (Subscription.Status.SUSPENDED, Subscription.Status.PAST_DUE):
        raise InvalidTransition(_("Only a suspended or past-due subscription can be reactivated."), code="not_reactivable")
    period = {}
    if subscription.suspended_at_trial_end:
        waiting = _waiting_first_invoice(subscription)
        if waiting is not None:
            period = first_paid_period(subscription=subscription, invoice=waiting)
        else:
            period, _invoice = _bill_first_period(subscription, None)
    SUBSCRIPTION_MACHINE.advance(subscription, Subscription.Status.ACTIVE, suspended_at=None, **period)
    handlers.subscription_changed(subscription)
    return subscription


@transaction.atomic
def first_period_invoice(subscription, user):
    """The open invoice of the first paid period of a trial suspended at its end: the one waiting, or
    a new one (None on a free plan, which is active again at once)."""
    subscription = _lock_subscription(subscription)
    if not subscription.suspended_at_trial_end:
        raise InvalidTransition(_("Only a trial suspended at its end can be restarted."), code="not_restartable")
    waiting = _waiting_first_invoice(subscription)
    if waiting is not None:
        return waiting
    period, invoice = _bill_first_period(subscription, user)
    if invoice is None:
        SUBSCRIPTION_MACHINE.advance(subscription, Subscription.Status.ACTIVE, suspended_at=None, **period)
        handlers.subscription_changed(subscription)
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
    return {"current_period_start": now, "current_period_end": end, "billing_anchor_day": now.day}, invoice


def first_paid_period(*, subscription, invoice):
    """{current_period_start, current_period_end} that a trial suspended at its end takes when
    `invoice` is the one restart_after_trial issued for it, else None."""
    if invoice.subscription_id != subscription.pk or invoice.period_start is None:
        return None
    if invoice.period_start <= subscription.trial_end:
        return None
    end, _, _ = pricing.period_from(subscription.organization, invoice.period_start, subscription.plan)
    return {
        "current_period_start": invoice.period_start,
        "current_period_end": end,
        "billing_anchor_day": invoice.period_start.day,
    }


@transaction.atomic
def extend_trial(*, subscription, days):
    subscription = _lock_subscription(subscription)
    if subscription.status != Subscription.Status.TRIALING:
        raise InvalidTransition(_("Only a subscription in trial can have its trial extended."), code="not_trialing")
    if not 1 <= days <= 90:
        raise ValidationFailed(_("A trial is extended by 1 to 90 days."), code="invalid_days")
    subscription.trial_end += timedelta(days=days)
    subscription.current_period_end = subscription.trial_end
    subscription.save(update_fields=["trial_end", "current_period_end", "updated_at"])
    handlers.subscription_changed(subscription)
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
        handlers.subscription_changed(subscription)
        return subscription
    plan = subscription.scheduled_plan or subscription.plan
    price = plan.price_in(subscription.currency)
    if price is None or not plan.is_active:
        SUBSCRIPTION_MACHINE.advance(subscription, Subscription.Status.EXPIRED, ended_at=end)
        _bill_final_charges(subscription, end)
        handlers.subscription_changed(subscription)
        return subscription
    # The anchor day keeps periods on the day they started (a trial's paid periods on its end's);
    # calendar billing has its own (the 1st).
    anchor = subscription.billing_anchor_day if subscription.status != Subscription.Status.TRIALING else None
    anchor = None if selectors.calendar_billing(organization=subscription.organization) else anchor or end.day
    new_end, num, den = pricing.period_from(subscription.organization, end, plan, anchor)
    price = prorate(price, num, den)
    status = Subscription.Status.ACTIVE if subscription.status == Subscription.Status.TRIALING else subscription.status
    _restate_cycles(subscription, subscription.plan.interval, plan.interval)
    subscription.plan, subscription.scheduled_plan, subscription.billing_anchor_day = plan, None, anchor
    subscription.current_period_start, subscription.current_period_end = end, new_end
    if status != subscription.status:
        SUBSCRIPTION_MACHINE.advance(subscription, status, save=False)
    subscription.save()
    lines = [pricing.plan_line(subscription, plan, price, end, new_end)] if price else []
    charges = pending_charges(subscription)
    if lines or charges:
        _bill(subscription, lines, period_start=end, charges=charges)
    handlers.subscription_changed(subscription)
    logger.info("subscription_renewed subscription=%s plan=%s until=%s", subscription.pk, plan.code, new_end.isoformat())
    return subscription


def subscription_invoice_paid(invoice):
    """A paid subscription invoice makes its coupon use final (a no-op after the first) and, when
    it is an upgrade's, the new plan start."""
    subscription = invoice.subscription
    if subscription and subscription.coupon_code:
        coupon_services.confirm(target_type="subscription", target_id=subscription.pk)
    if subscription and subscription.pending_invoice_id == invoice.pk:
        subscription = _lock_subscription(subscription)
        if subscription.pending_invoice_id == invoice.pk:
            _apply_upgrade(subscription, subscription.pending_plan, invoice)
    if subscription:
        handlers.subscription_changed(subscription)  # the period it bills is paid now


def subscription_invoice_voided(invoice):
    """A voided upgrade invoice drops the change it was waiting for."""
    waiting = Subscription.objects.filter(pending_invoice=invoice)
    waiting.update(pending_plan=None, pending_invoice=None, updated_at=timezone.now())
