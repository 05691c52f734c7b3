"""Subscriptions over time: renewals and trial ends in batch, and a customer's restart after a
trial suspended at its end. The only place that charges cards for subscriptions: the services
write the invoices, this module then asks payments to charge the default method.
"""

from collections import Counter
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import payments, services
from billing.emails import trial_message
from billing.models import Invoice, PaymentMethod, Subscription
from core.errors import DomainError
from notifications.services import notify


def restart_after_trial(*, subscription, user=None):
    """The customer's way back from a trial suspended at its end: its first paid period is
    invoiced from now (with any pending charges) and charged to the default payment method when
    there is one; paying that invoice makes the subscription active for the period it bills
    (dunning.reactivate_if_settled). A second call returns the invoice still open rather than
    issuing another. A free plan is active again at once. Returns (subscription, invoice or None)."""
    invoice = services.first_period_invoice(subscription, user)
    if invoice is not None and invoice.status == Invoice.Status.OPEN:
        payments.charge_default_method(invoice=invoice)
        invoice.refresh_from_db()
    subscription.refresh_from_db()
    return subscription, invoice


def change_plan(*, subscription, plan, user=None):
    """services.change_plan, then the invoice it issued (an upgrade, a trial ended early) charged
    at once to the default payment method; the new plan starts when it is paid. Returns
    (subscription, invoice or None)."""
    subscription, invoice = services.change_plan(subscription=subscription, plan=plan, user=user)
    if invoice is not None and invoice.status == Invoice.Status.OPEN:
        payments.charge_default_method(invoice=invoice)
    subscription.refresh_from_db()
    if invoice is not None:
        invoice.refresh_from_db()
    return subscription, invoice


def _lapse_pending_upgrade(subscription_id, counts):
    """An upgrade still unpaid when its period ends lapses: its invoice is voided, so paying it
    later cannot start the plan for a period it did not price (a payment in flight keeps it)."""
    pending = Invoice.objects.filter(pending_upgrade_of=subscription_id, status=Invoice.Status.OPEN).first()
    if pending is None:
        return
    try:
        services.void_invoice(invoice=pending, reason=_("Upgrade not paid before the end of the period"))
    except DomainError:
        return
    counts["upgrades_lapsed"] += 1


def renew_due_subscriptions(*, now=None, counts=None):
    """Renew every paid subscription whose period has ended (trials end in the trial task): each
    in its own transaction, so a crash keeps the ones done and the next run takes the rest; a
    period already invoiced (another run) is refused by the unique constraint and skipped. The new
    invoice is charged to the default payment method when there is one."""
    now = now or timezone.now()
    counts = Counter() if counts is None else counts
    due = Subscription.objects.filter(
        status__in=[Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE], current_period_end__lte=now
    ).order_by("pk")
    for pk, before in due.values_list("pk", "current_period_end"):
        _lapse_pending_upgrade(pk, counts)
        try:
            subscription = services.renew_subscription(subscription=Subscription(pk=pk), now=now)
        except IntegrityError:
            counts["already_invoiced"] += 1
            continue
        counts["processed"] += 1
        invoice = Invoice.objects.filter(subscription=subscription, period_start=before).first()
        if invoice is not None:
            counts["invoices_issued"] += 1
            counts[payments.charge_default_method(invoice=invoice)] += 1
    return counts


TRIAL_REMINDER_DAYS = 3


def process_trials(*, now=None, counts=None):
    """The daily trial run: a reminder 3 days before a trial ends (once); at its end, a trial with a
    default payment method becomes active, invoiced and charged; one without is suspended, with a
    notification and an email (a trial set to cancel just ends)."""
    now = now or timezone.now()
    counts = Counter() if counts is None else counts
    trialing = Subscription.objects.filter(status=Subscription.Status.TRIALING).select_related("organization", "plan")
    for subscription in trialing.filter(
        trial_reminded_at__isnull=True,
        current_period_end__gt=now,
        current_period_end__lte=now + timedelta(days=TRIAL_REMINDER_DAYS),
    ):
        if Subscription.objects.filter(pk=subscription.pk, trial_reminded_at__isnull=True).update(trial_reminded_at=now):
            _tell_trial(subscription, "trial_ending")
            counts["trial_reminders"] += 1
    ended = list(trialing.filter(current_period_end__lte=now).order_by("pk"))
    with_method = set(
        PaymentMethod.objects.filter(organization__in=[s.organization_id for s in ended], is_default=True).values_list(
            "organization_id", flat=True
        )
    )
    for subscription in ended:
        if subscription.cancel_at_period_end:
            services.renew_subscription(subscription=subscription, now=now)
            counts["trials_canceled"] += 1
        elif subscription.organization_id in with_method:
            end = subscription.current_period_end
            try:
                services.renew_subscription(subscription=subscription, now=now)
            except IntegrityError:
                continue  # another run converted it
            invoice = Invoice.objects.filter(subscription=subscription, period_start=end).first()
            if invoice is not None:
                counts[payments.charge_default_method(invoice=invoice)] += 1
            counts["trials_converted"] += 1
        else:
            with transaction.atomic():
                services.suspend_subscription(subscription=subscription)
                _tell_trial(subscription, "trial_ended")
            counts["trials_suspended"] += 1
    return counts


def _tell_trial(subscription, kind):
    title, body = trial_message(subscription, kind)
    notify(
        subscription.organization,
        kind,
        title=title,
        body=body,
        link=reverse("billing:payment_methods" if kind == "trial_ending" else "billing:subscription"),
        context={"subscription": subscription},
        related=subscription,
    )
