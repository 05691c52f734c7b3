"""Dunning: reminders, suspension and reactivation of overdue invoices, by the policy's steps.

A run reads open invoices in batches of a constant number of queries, writes one DunningEvent per
step due (the unique constraint per invoice and step makes a second or late run harmless, and a
late run takes every missed step in order) and queues one task per event, which sends the
reminder or suspends. An email that fails is retried by the email task, apart from the others.
"""

import logging
from collections import Counter
from datetime import timedelta

from celery import shared_task
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import handlers, selectors, services
from billing.emails import account_message, dunning_message
from billing.models import (
    DEFAULT_STEPS,
    SUBSCRIPTION_MACHINE,
    DunningAction,
    DunningEvent,
    DunningPolicy,
    DunningStep,
    Invoice,
    Subscription,
)
from core.errors import InvalidTransition, ValidationFailed
from core.tasks import RETRY, enqueue
from notifications.services import notify

logger = logging.getLogger("webox.billing.dunning")

BATCH_SIZE = 1000
MAX_RETRIES = 3
MAX_RETRY_DAY = 7


def check_steps(steps):
    """`steps`: [(offset_days, action)] in their order. Refuses duplicate days, days out of order
    and a suspension anywhere but last, with a message that names the step."""
    if not steps:
        raise ValidationFailed(_("A dunning policy needs at least one step."), code="invalid_policy")
    seen = set()
    for offset, _action in steps:
        if offset in seen:
            raise ValidationFailed(
                _("Two steps are on day D+%(offset)s: give each step its own day.") % {"offset": offset}, code="duplicate_offset"
            )
        seen.add(offset)
    for (before, _before_action), (after, _after_action) in zip(steps, steps[1:], strict=False):
        if after < before:
            raise ValidationFailed(
                _("Step D+%(after)s is listed after D+%(before)s: list the steps in the order of their days.")
                % {"after": after, "before": before},
                code="steps_out_of_order",
            )
    if any(action == DunningAction.SUSPEND for _offset, action in steps[:-1]):
        raise ValidationFailed(_("Suspension can only be the last step."), code="suspend_not_last")


def check_retry_days(days):
    if not isinstance(days, list) or len(days) > MAX_RETRIES or not all(isinstance(d, int) for d in days):
        raise ValidationFailed(
            _("Retry days are a list of at most %(max)s whole days.") % {"max": MAX_RETRIES}, code="invalid_retry_days"
        )
    if days != sorted(set(days)) or any(not 1 <= d <= MAX_RETRY_DAY for d in days):
        raise ValidationFailed(
            _("Retry days increase and stay within %(max)s days of the failure, e.g. [1, 3, 6].") % {"max": MAX_RETRY_DAY},
            code="invalid_retry_days",
        )


class Policies:
    """Every policy with its steps, read once per run (two queries)."""

    def __init__(self):
        self.default, self.by_organization = None, {}
        for policy in DunningPolicy.objects.prefetch_related("steps"):
            if policy.organization_id is None:
                self.default = policy
            else:
                self.by_organization[policy.organization_id] = policy
        if self.default is None:
            self.default = default_policy()

    def for_organization(self, organization_id):
        return self.by_organization.get(organization_id, self.default)

    @property
    def first_offset(self):
        offsets = [s.offset_days for p in [self.default, *self.by_organization.values()] for s in p.steps.all()]
        return min(offsets, default=1)


def default_policy():
    """The default policy (D+3, D+7, D+15, D+30; retries +1, +3, +6), made again if it was deleted."""
    with transaction.atomic():
        policy, created = DunningPolicy.objects.get_or_create(
            organization=None, defaults={"name": "Default", "retry_days": [1, 3, 6]}
        )
        if created:
            DunningStep.objects.bulk_create(
                DunningStep(policy=policy, position=i, offset_days=offset, action=action)
                for i, (offset, action) in enumerate(DEFAULT_STEPS)
            )
    return policy


def policy_for(organization):
    return DunningPolicy.objects.filter(organization=organization).first() or default_policy()


def _due_batches(today, batch_size, policies):
    """Yield [(invoice, [steps due and not yet taken])] batch by batch: three queries a batch."""
    overdue = (
        Invoice.objects.filter(status=Invoice.Status.OPEN, due_date__lte=today - timedelta(days=policies.first_offset))
        .select_related("subscription")
        .only("pk", "organization_id", "due_date", "number", "total", "currency", "subscription__status")
        .order_by("pk")
    )
    last = 0
    while True:
        batch = list(overdue.filter(pk__gt=last)[:batch_size])
        if not batch:
            return
        first, last = batch[0].pk, batch[-1].pk
        taken = set(DunningEvent.objects.filter(invoice_id__gte=first, invoice_id__lte=last).values_list("invoice_id", "step_id"))
        planned = []
        for invoice in batch:
            days = (today - invoice.due_date).days
            steps = policies.for_organization(invoice.organization_id).steps.all()
            due = [s for s in steps if s.offset_days <= days and (invoice.pk, s.pk) not in taken]
            if due:
                planned.append((invoice, due))
        yield planned


def preview(*, today=None, limit=100):
    """What the next run would do, without doing it: [(invoice, step)], at most `limit`."""
    today = today or services.platform_today()
    rows = []
    for planned in _due_batches(today, BATCH_SIZE, Policies()):
        rows += [(invoice, step) for invoice, steps in planned for step in steps]
        if len(rows) >= limit:
            break
    return rows[:limit]


def run_dunning(*, today=None, batch_size=BATCH_SIZE, counts=None):
    """Take every step due on `today` (platform calendar). Each batch commits on its own, so a
    crash keeps the batches before it and the next run resumes with what is left."""
    today = today or services.platform_today()
    counts = Counter() if counts is None else counts
    policies = Policies()
    for planned in _due_batches(today, batch_size, policies):
        if not planned:
            continue
        try:
            with transaction.atomic():
                _take(planned, today, counts)
        except IntegrityError:
            # Another run took these steps at the same moment: its events stand.
            logger.warning("dunning_batch_conflict first_invoice=%s", planned[0][0].pk)
    counts["requeued"] += _requeue_pending(today)
    logger.info("dunning_run date=%s counts=%s", today, dict(counts))
    return counts


def _take(planned, today, counts):
    events = DunningEvent.objects.bulk_create(
        DunningEvent(invoice_id=invoice.pk, step=step, action=step.action, offset_days=step.offset_days, run_date=today)
        for invoice, steps in planned
        for step in steps
    )
    active = {
        invoice.subscription_id
        for invoice, _steps in planned
        if invoice.subscription and invoice.subscription.status == Subscription.Status.ACTIVE
    }
    for subscription_id in sorted(active):
        services.mark_past_due(subscription=Subscription(pk=subscription_id))
        counts["past_due"] += 1
    for event in events:
        counts[event.action] += 1
        enqueue(perform_dunning_event, event.pk)


def _requeue_pending(today):
    """Events a previous run queued but never completed (the worker was down, a render failed)."""
    pending = list(
        DunningEvent.objects.filter(outcome=DunningEvent.Outcome.PENDING, run_date__lt=today).values_list("pk", flat=True)
    )
    for pk in pending:
        perform_dunning_event.delay(pk)
    return len(pending)


@shared_task(name="billing.tasks.perform_dunning_event", **RETRY)
def perform_dunning_event(event_id):
    """One dunning step, queued by a run (defined here, where runs queue it; billing.tasks exports it)."""
    perform_event(event_id=event_id)


@transaction.atomic
def perform_event(*, event_id):
    """Send the step's reminder, or suspend: once (the event row is locked and must be pending)."""
    event = (
        DunningEvent.objects.select_for_update(of=("self",))
        .select_related("invoice__organization", "invoice__subscription")
        .filter(pk=event_id, outcome=DunningEvent.Outcome.PENDING)
        .first()
    )
    if event is None:
        return None
    invoice = event.invoice
    if invoice.status != Invoice.Status.OPEN:
        outcome = DunningEvent.Outcome.SKIPPED  # paid or voided since the run: nothing more is sent
    elif event.action == DunningAction.SUSPEND:
        outcome = _suspend_for(invoice)
    else:
        _remind(invoice, event)
        # The first reminder also dates the invoice's "overdue notified" field that reports read.
        Invoice.objects.filter(pk=invoice.pk, overdue_notified_at__isnull=True).update(overdue_notified_at=timezone.now())
        outcome = DunningEvent.Outcome.SENT
    event.outcome, event.done_at = outcome, timezone.now()
    event.save(update_fields=["outcome", "done_at"])
    logger.info("dunning_event event=%s invoice=%s action=%s outcome=%s", event.pk, invoice.number, event.action, outcome)
    return event


def _remind(invoice, event):
    title, body = dunning_message(invoice, event.action, today=event.run_date)
    attachments = (
        [{"filename": f"{invoice.number}.pdf", "path": invoice.pdf_file, "mimetype": "application/pdf"}]
        if invoice.pdf_file
        else []
    )
    notify(
        invoice.organization,
        "dunning_reminder",
        title=title,
        body=body,
        link=selectors.pay_url(invoice),
        context={"invoice": invoice, "action": event.action},
        attachments=attachments,
        related=invoice,
    )


def _subscription_to_suspend(invoice):
    live = (Subscription.Status.TRIALING, Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE)
    if invoice.subscription_id:
        subscription = invoice.subscription
    elif policy_for(invoice.organization).suspend_for_any_invoice:
        subscription = selectors.live_subscription(organization=invoice.organization)
    else:
        return None
    return subscription if subscription and subscription.status in live else None


def _suspend_for(invoice):
    subscription = _subscription_to_suspend(invoice)
    if subscription is None:
        return DunningEvent.Outcome.SKIPPED
    services.suspend_subscription(subscription=subscription)
    _tell(invoice.organization, "account_suspended", invoice=invoice)
    return DunningEvent.Outcome.SUSPENDED


def _tell(organization, kind, *, invoice=None):
    title, body = account_message(organization, kind)
    notify(
        organization,
        kind,
        title=title,
        body=body,
        link=selectors.overdue_invoices_url(),
        context={"invoice": invoice, "organization": organization},
        related=invoice,
    )


def blocking_invoices(organization, *, today=None):
    """Overdue open invoices that keep (or would put) the organization's subscription suspended."""
    today = today or services.platform_today()
    overdue = Invoice.objects.filter(organization=organization, status=Invoice.Status.OPEN, due_date__lt=today)
    if not policy_for(organization).suspend_for_any_invoice:
        overdue = overdue.filter(subscription__isnull=False)
    return overdue


def reactivate_if_settled(invoice):
    """Paid handler (every source): once nothing overdue blocks it, a past-due or suspended
    subscription is active again at once, and the organization is told when it was suspended."""
    organization = invoice.organization
    subscription = (
        Subscription.objects.select_for_update()
        .filter(organization=organization, status__in=[Subscription.Status.PAST_DUE, Subscription.Status.SUSPENDED])
        .first()
    )
    if subscription is None or blocking_invoices(organization).exists():
        return
    period = {}
    if subscription.suspended_at_trial_end:
        # Only the invoice of its first paid period restarts a trial that ended unpaid.
        period = services.first_paid_period(subscription=subscription, invoice=invoice)
        if period is None:
            return
    was_suspended = subscription.status == Subscription.Status.SUSPENDED
    SUBSCRIPTION_MACHINE.advance(subscription, Subscription.Status.ACTIVE, suspended_at=None, **period)
    handlers.subscription_changed(subscription)
    if was_suspended:
        _tell(organization, "account_reactivated")
    logger.info("subscription_reactivated subscription=%s after_payment=%s", subscription.pk, invoice.number)


# --- Staff actions -------------------------------------------------------------------------------


def send_next_step_now(*, invoice):
    """Take the invoice's next step not yet taken, today, whatever its day."""
    if invoice.status != Invoice.Status.OPEN:
        raise InvalidTransition(_("Only an open invoice can be reminded."), code="invoice_not_open")
    taken = set(invoice.dunning_events.values_list("step_id", flat=True))
    step = next((s for s in policy_for(invoice.organization).steps.all() if s.pk not in taken), None)
    if step is None:
        raise InvalidTransition(
            _("Every step has been taken for invoice %(number)s.") % {"number": invoice.number}, code="dunning_complete"
        )
    with transaction.atomic():
        event = DunningEvent.objects.create(
            invoice=invoice,
            step=step,
            action=step.action,
            offset_days=step.offset_days,
            run_date=services.platform_today(),
        )
    return perform_event(event_id=event.pk)


def suspend_now(*, invoice):
    subscription = _subscription_to_suspend(invoice) or selectors.live_subscription(organization=invoice.organization)
    if subscription is None or subscription.status == Subscription.Status.SUSPENDED:
        raise InvalidTransition(_("This organization has no subscription to suspend."), code="nothing_to_suspend")
    services.suspend_subscription(subscription=subscription)
    _tell(invoice.organization, "account_suspended", invoice=invoice)
    return subscription


# --- Reads for the dashboard ---------------------------------------------------------------------

AGE_BUCKETS = (("0-30", 0, 30), ("31-60", 31, 60), ("60+", 61, None))


def overdue_by_age(*, today=None):
    """{bucket: {"count", "amount" per currency}} of open overdue invoices, in one query."""
    today = today or services.platform_today()
    whens = [
        When(due_date__lte=today - timedelta(days=low), due_date__gte=today - timedelta(days=high), then=Value(i))
        if high is not None
        else When(due_date__lte=today - timedelta(days=low), then=Value(i))
        for i, (_label, low, high) in enumerate(AGE_BUCKETS)
    ]
    rows = (
        Invoice.objects.filter(status=Invoice.Status.OPEN, due_date__lt=today)
        .annotate(bucket=Case(*whens, output_field=IntegerField()))
        .values("bucket", "currency")
        .annotate(count=Count("pk"), due=Sum("total") - Sum("amount_paid") - Sum("amount_credited"))
        .order_by("bucket", "currency")
    )
    summary = {label: {"count": 0, "amounts": []} for label, _, _ in AGE_BUCKETS}
    for row in rows:
        entry = summary[AGE_BUCKETS[row["bucket"]][0]]
        entry["count"] += row["count"]
        entry["amounts"].append((row["due"], row["currency"]))
    return summary


def overdue_invoices(*, today=None, bucket=""):
    today = today or services.platform_today()
    invoices = Invoice.objects.filter(status=Invoice.Status.OPEN, due_date__lt=today).select_related("organization")
    for label, low, high in AGE_BUCKETS:
        if bucket == label:
            invoices = invoices.filter(due_date__lte=today - timedelta(days=low))
            if high is not None:
                invoices = invoices.filter(due_date__gte=today - timedelta(days=high))
    return invoices.order_by("due_date", "pk")
