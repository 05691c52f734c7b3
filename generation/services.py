"""Every write of the generation app: credits, submitting, starting, finishing and canceling jobs.

Credits: the ledger (CreditEntry) is the truth and the balance its sum. A reservation locks the
organization's CreditAccount row first, so concurrent submissions are checked one after the
other against the real sum and the balance never goes below zero. Success keeps what was used
(the unused part of a chat reservation is released), failure and cancel refund it.

Scheduling: a job is `queued` until a slot is free under the organization's concurrent-job
limit; starting it (`running`) and dispatching its Celery task happen under the same lock, in
submission order, whenever a job is submitted or ends.
"""

import logging
import math
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from kombu.exceptions import OperationalError

from accounts.entitlements import require_entitled
from accounts.models import Organization
from accounts.selectors import language_for
from billing import selectors as billing_selectors
from config.celery import app as celery_app
from core.errors import InvalidTransition, NotFound, QuotaExceeded, ValidationFailed
from core.heartbeats import alive_keys, current_worker_key
from core.i18n import lazy_text
from core.tasks import after_commit
from generation import artifacts, providers, selectors
from generation import params as job_params
from generation.models import (
    JOB_MACHINE,
    Artifact,
    Conversation,
    ConversationMessage,
    CreditAccount,
    CreditEntry,
    CreditGrant,
    GenerationJob,
    JobStatus,
    Kind,
)
from notifications.services import notify, push_event
from usage import selectors as usage_selectors
from usage import services as usage_services

logger = logging.getLogger("webox.generation")

# Seconds a job of each kind may run before Celery stops it (the soft limit lets it fail cleanly).
TIME_LIMITS = {Kind.IMAGE: 300, Kind.EBOOK: 300, Kind.AUDIO: 300, Kind.VIDEO: 1200, Kind.CHAT: 180}
# A running job silent for its time limit plus this long has lost its worker.
STALE_GRACE_SECONDS = 120
CHAT_HISTORY_MESSAGES = 20


# --- credits -----------------------------------------------------------------------------------


def _lock_account(organization):
    """Lock the organization's credit account row (created on first use) for this transaction."""
    CreditAccount.objects.get_or_create(organization=organization)
    return CreditAccount.objects.select_for_update().get(organization=organization)


def _entry(*, organization, grant, amount, reason, job=None, order_ref="", note=""):
    entry = CreditEntry.objects.create(
        organization=organization, grant=grant, amount=amount, reason=reason, job=job, order_ref=order_ref, note=note[:200]
    )
    _ledger_changed(organization)
    return entry


def _ledger_changed(organization):
    """Drop the cached balance and summary of the organization's credits, now and again after the
    commit: a reader may have cached the old figures while this transaction was open."""
    keys = [selectors.balance_cache_key(organization.pk), selectors.summary_cache_key(organization.pk)]
    cache.delete_many(keys)
    after_commit("credit_balance_cache", lambda: cache.delete_many(keys))


def _grant(*, organization, kind, amount, reason, note, order_ref="", period=None):
    """A new grant and the ledger entry that brings its credits in."""
    grant = CreditGrant.objects.create(
        organization=organization,
        kind=kind,
        amount=amount,
        priority=CreditGrant.PRIORITY[kind],
        period_key=period.key if period else "",
        order_ref=order_ref,
        effective_at=period.start if period else timezone.now(),
        expires_at=period.end if period else None,
        note=note[:200],
    )
    entry = _entry(organization=organization, grant=grant, amount=amount, reason=reason, order_ref=order_ref, note=note)
    return grant, entry


def _spend(organization, amount, reason, *, job=None, note=""):
    """Take `amount` credits from the live grants in spending order (the caller holds the account
    lock and checked the balance). Returns [(grant, credits taken)]."""
    taken, left = [], amount
    for grant in selectors.spendable_grants(organization=organization):
        share = min(left, grant.left)
        _entry(organization=organization, grant=grant, amount=-share, reason=reason, job=job, note=note)
        taken.append((grant, share))
        left -= share
        if not left:
            return taken
    raise QuotaExceeded(_("Not enough credits left."))


def _write_off(grant, now):
    """An expired grant (or one whose plan period ended) counts no more: what is left of it leaves
    the ledger as an expiry entry, so the ledger's sum stays the balance."""
    left = grant.entries.aggregate(total=Sum("amount"))["total"] or 0
    if left:
        _entry(organization=grant.organization, grant=grant, amount=-left, reason=CreditEntry.Reason.EXPIRY)
    if grant.expired_at is None:
        grant.expired_at = now
        grant.save(update_fields=["expired_at"])
        _ledger_changed(grant.organization)
    return left


def _expire_due(organization, now):
    due = CreditGrant.objects.filter(organization=organization, expired_at__isnull=True, expires_at__lte=now)
    return sum(_write_off(grant, now) for grant in due.select_related("organization"))


@transaction.atomic
def grant_credits(*, organization, amount, reason, order_ref=""):
    """Add purchased credits, which never expire (a paid credit pack when `order_ref` names the
    order, once per order; an add-on's delivery; a gift). Returns the ledger entry."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValidationFailed(
            _("Credits granted must be a positive whole number."), fields={"amount": [_("Must be a positive integer.")]}
        )
    _lock_account(organization)
    kind = CreditEntry.Reason.PURCHASE if order_ref else CreditEntry.Reason.GRANT
    if order_ref:
        existing = CreditEntry.objects.filter(organization=organization, order_ref=order_ref, reason=kind).first()
        if existing:
            return existing
    _grant_row, entry = _grant(
        organization=organization, kind=CreditGrant.Kind.PURCHASED, amount=amount, reason=kind, note=str(reason),
        order_ref=order_ref,
    )  # fmt: skip
    logger.info("credits_granted organization=%s amount=%s order=%s", organization.pk, amount, order_ref)
    return entry


def sync_plan_credits(organization, *, now=None):
    """Make the organization's plan credits what billing says it is owed now
    (billing.selectors.credit_period): the plan's credits of a paid (or trial, or free) period,
    or the Free plan's month without a subscription, granted once, expiring at the period's end,
    topped up when an upgrade raises them; those of any other period (ended, replaced, a
    subscription ended or suspended) written off. An unlimited plan is granted nothing (its jobs
    take no credits). Billing calls it on every change of a subscription
    (register_subscription_changed_handler), accounts when an organization is created, the
    sweeper for the Free plan's new month and a job that finds the balance short; running it
    twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        period = billing_selectors.credit_period(organization=organization, now=now)
        _lock_account(organization)
        _expire_due(organization, now)
        plan_grants = CreditGrant.objects.filter(organization=organization, kind=CreditGrant.Kind.PLAN)
        others = plan_grants.filter(expired_at__isnull=True)
        if period is not None:
            others = others.exclude(period_key=period.key)
        for grant in others.select_related("organization"):
            _write_off(grant, now)
        if period is None or not period.credits or period.end <= now:
            return None
        current = plan_grants.filter(period_key=period.key)
        # A trial extended: its allowance lasts as long as the trial.
        if current.filter(expired_at__isnull=True).exclude(expires_at=period.end).update(expires_at=period.end):
            _ledger_changed(organization)
        missing = period.credits - (current.aggregate(total=Sum("amount"))["total"] or 0)
        if missing <= 0:
            return None
        grant, _entry_row = _grant(
            organization=organization, kind=CreditGrant.Kind.PLAN, amount=missing, reason=CreditEntry.Reason.PLAN,
            note=period.plan_name, period=period,
        )  # fmt: skip
    logger.info("plan_credits_granted organization=%s amount=%s until=%s", organization.pk, missing, period.end.isoformat())
    return grant


def grant_free_credits(*, now=None):
    """The Free plan's credits of the month to every organization without a live subscription
    that has not had them yet (the sweeper's first run of a month gives them all). Returns how
    many organizations got them."""
    period = billing_selectors.free_credit_period(now=now)
    if period is None or not period.credits:
        return 0
    waiting = Organization.objects.exclude(pk__in=billing_selectors.subscribed_organization_ids()).exclude(
        credit_grants__period_key=period.key
    )
    return sum(sync_plan_credits(organization, now=now) is not None for organization in waiting.order_by("pk").iterator())


def expire_credit_grants(*, now=None):
    """The sweeper: every grant past its expiry written off (per organization, under its lock),
    then the Free plan's credits of a new month granted."""
    now = now or timezone.now()
    due = CreditGrant.objects.filter(expired_at__isnull=True, expires_at__lte=now)
    counts = {"grants_expired": 0, "credits_expired": 0}
    for organization in Organization.objects.filter(pk__in=list(due.values_list("organization", flat=True).distinct())):
        with transaction.atomic():
            _lock_account(organization)
            count = due.filter(organization=organization).count()
            counts["credits_expired"] += _expire_due(organization, now)
            counts["grants_expired"] += count
    counts["free_credits_granted"] = grant_free_credits(now=now)
    return counts


@transaction.atomic
def claw_back_credits(*, organization, order_ref, credits, note="", final=False):
    """Take back up to `credits` of what the purchase `order_ref` granted and is still unspent (a
    refunded credit pack). Returns (taken back, already spent: the part that could not be). With
    `final` (nothing of the purchase is left paid for), the grant ends: credits a running job
    gives back to it later are written off rather than returned to the customer."""
    if not isinstance(credits, int) or isinstance(credits, bool) or credits < 0:
        raise ValidationFailed(_("Credits taken back must be a whole number, zero or more."), code="invalid_amount")
    _lock_account(organization)
    grant = (
        CreditGrant.objects.select_related("organization")
        .filter(organization=organization, order_ref=order_ref, kind=CreditGrant.Kind.PURCHASED)
        .first()
    )
    if grant is None:
        return 0, 0
    left = grant.entries.aggregate(total=Sum("amount"))["total"] or 0
    taken = min(credits, max(left, 0)) if grant.expired_at is None else 0
    if taken:
        _entry(organization=organization, grant=grant, amount=-taken, reason=CreditEntry.Reason.CLAWBACK, note=note)
    if final:
        _write_off(grant, timezone.now())
    logger.info(
        "credits_clawed_back organization=%s order=%s taken=%s spent=%s", organization.pk, order_ref, taken, credits - taken
    )
    return taken, credits - taken


@transaction.atomic
def adjust_credits(*, organization, amount, note):
    """A staff correction (either sign), refused if it would take the balance below zero: a
    positive one is a grant that never expires, a negative one is taken as jobs take credits."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
        raise ValidationFailed(
            _("The adjustment must be a non-zero whole number."), fields={"amount": [_("Must be a non-zero integer.")]}
        )
    _lock_account(organization)
    if selectors.ledger_sum(organization=organization) + amount < 0:
        raise QuotaExceeded(_("This adjustment would take the balance below zero."))
    reason = CreditEntry.Reason.ADJUSTMENT
    if amount > 0:
        return _grant(organization=organization, kind=CreditGrant.Kind.PURCHASED, amount=amount, reason=reason, note=note)[1]
    _spend(organization, -amount, reason, note=note)
    return CreditEntry.objects.filter(organization=organization, reason=reason).latest("id")


def _refund(job, reason=CreditEntry.Reason.REFUND, amount=None):
    """Give `amount` of a job's reservation back to the grants it was taken from, the last taken
    first (the purchased credits before the plan's). Credits returning to a grant that has
    expired meanwhile expire with it."""
    amount = job.credits_reserved if amount is None else amount
    now = timezone.now()
    reserved = job.credit_entries.filter(reason=CreditEntry.Reason.RESERVATION).select_related("grant", "grant__organization")
    for entry in reserved.order_by("-id"):
        share = min(amount, -entry.amount)
        if share <= 0:
            break
        _entry(organization=job.organization, grant=entry.grant, amount=share, reason=reason, job=job)
        amount -= share
        grant = entry.grant
        if grant.expired_at is not None or (grant.expires_at is not None and grant.expires_at <= now):
            _write_off(grant, now)


# --- submitting --------------------------------------------------------------------------------


def price_in_credits(*, kind, provider, model, prompt, params):
    """(credits per unit, units) of a job, or ValidationFailed when staff set no price for it."""
    price = selectors.credit_price(kind=kind, provider=provider, model=model)
    if price is None:
        raise ValidationFailed(
            _("%(model)s has no price in credits yet.") % {"model": model},
            code="model_not_priced",
            fields={"model": [_("Not available.")]},
        )
    return price.credits, job_params.quantity(kind, params, prompt)


def _chat_messages(organization, params, prompt):
    """The conversation the message continues (if any) and the messages sent to the model."""
    conversation = None
    history = []
    if "conversation" in params:
        conversation = selectors.conversation_for(organization=organization, pk=params["conversation"])
        recent = conversation.messages.order_by("-created_at", "-id")[:CHAT_HISTORY_MESSAGES]
        history = [{"role": m.role, "content": m.content} for m in reversed(recent)]
    return conversation, [*history, {"role": "user", "content": prompt}]


def submit_job(*, organization, user, kind, provider, model, prompt, params, prepaid=False):
    """Validate, reserve the credits (unless `prepaid` by an order) and queue a job."""

    require_entitled(organization)
    prompt, params = job_params.validate(kind, prompt, params)
    impl = providers.choosable(provider)
    impl.validate(kind, model, params)
    memory = job_params.memory_mb(kind, params)
    usage_services.check_quota(organization=organization, metric="memory_mb", amount=memory)
    if usage_selectors.limit_for(organization=organization, metric="concurrent_jobs") == 0:
        raise QuotaExceeded(_("Your plan does not include generation jobs. Upgrade it to generate."))
    per_unit, units = (
        (0, 0) if prepaid else price_in_credits(kind=kind, provider=provider, model=model, prompt=prompt, params=params)
    )
    credits = per_unit * units
    # An unlimited plan's jobs reserve nothing: the ledger is not theirs to draw on.
    taken = 0 if selectors.unlimited_credits(organization=organization) else credits
    with transaction.atomic():
        conversation = None
        if kind == Kind.CHAT:
            conversation, params["messages"] = _chat_messages(organization, params, prompt)
        _lock_account(organization)
        if taken:
            balance = selectors.ledger_sum(organization=organization)
            if balance < taken:
                # The period's credits may not be granted yet (the Free plan's month just begun).
                sync_plan_credits(organization)
                balance = selectors.ledger_sum(organization=organization)
            if balance < taken:
                raise QuotaExceeded(
                    _("This needs %(credits)s credits and your balance is %(balance)s. Buy a credit pack to continue.")
                    % {"credits": credits, "balance": balance},
                    fields={"credits": credits, "balance": balance},
                )
        if kind == Kind.CHAT and conversation is None:
            conversation = Conversation.objects.create(
                organization=organization, user=user, title=prompt[:80], provider=provider, model=model
            )
        job = GenerationJob.objects.create(
            organization=organization,
            user=user,
            kind=kind,
            provider=provider,
            model=model,
            prompt=prompt,
            parameters=params,
            conversation=conversation,
            prepaid=prepaid,
            credits_per_unit=per_unit,
            credits_reserved=taken,
            memory_limit_mb=memory,
            queued_at=timezone.now(),
        )
        if taken:
            _spend(organization, taken, CreditEntry.Reason.RESERVATION, job=job)
        if conversation is not None:
            ConversationMessage.objects.create(
                conversation=conversation, role=ConversationMessage.Role.USER, content=prompt, job=job
            )
            conversation.save(update_fields=["updated_at"])
        _push_status(job)
        start_waiting_jobs(organization=organization)
        job.refresh_from_db()
    logger.info(
        "job_submitted job=%s organization=%s kind=%s provider=%s credits=%s", job.pk, organization.pk, kind, provider, credits
    )
    return job


# --- starting ----------------------------------------------------------------------------------


def _running_count(organization):
    return GenerationJob.objects.filter(organization=organization, status=JobStatus.RUNNING).count()


@transaction.atomic
def start_waiting_jobs(*, organization):
    """Start queued jobs, oldest first, while the organization has free slots; returns them."""

    _lock_account(organization)
    limit = usage_selectors.limit_for(organization=organization, metric="concurrent_jobs")
    running = _running_count(organization)
    waiting = GenerationJob.objects.filter(organization=organization, status=JobStatus.QUEUED).order_by("queued_at", "id")
    if limit is not None:
        waiting = waiting[: max(limit - running, 0)]
    started = []
    now = timezone.now()
    for job in waiting:
        JOB_MACHINE.advance(job, JobStatus.RUNNING, started_at=now, heartbeat_at=now)
        transaction.on_commit(lambda job=job: _dispatch(job))
        _push_status(job)
        started.append(job)
    usage_services.set_gauge(organization=organization, metric="concurrent_jobs", value=running + len(started))
    return started


def _dispatch(job):
    """Queue the job's task (after commit). A broker that is down fails the job at once, with
    its refund, rather than leaving it for the sweeper."""
    limit = TIME_LIMITS[job.kind]
    try:
        result = run_job.apply_async(args=[job.pk], time_limit=limit, soft_time_limit=limit - 15)
    except OperationalError as exc:
        logger.error("job_dispatch_failed job=%s error=%s", job.pk, exc)
        message = gettext_lazy("The job queue is unavailable right now; please try again shortly.")
        fail_job(job=job, code="queue_unavailable", message=message)
        return
    GenerationJob.objects.filter(pk=job.pk).update(task_id=result.id or "")


# --- running -----------------------------------------------------------------------------------


def report_progress(*, job, percent):
    """Record progress and a heartbeat; JobCanceled if the job was canceled meanwhile."""
    percent = max(0, min(int(percent), 99))
    updated = GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        progress=percent, heartbeat_at=timezone.now()
    )
    if not updated:
        raise providers.JobCanceled(job.pk)
    job.progress = percent
    _push_status(job)


def execute_job(*, job_id):
    """Run a started job through its provider and settle it. Safe to run twice: a job that is
    no longer running (done, canceled, failed by the sweeper) is left as it is."""
    job = GenerationJob.objects.select_related("organization", "user").filter(pk=job_id).first()
    if job is None or job.status != JobStatus.RUNNING:
        logger.info("job_skipped job=%s status=%s", job_id, job.status if job else "missing")
        return
    # From here the job is this worker's: if the worker dies, the sweeper knows at once.
    GenerationJob.objects.filter(pk=job.pk).update(worker=current_worker_key(), heartbeat_at=timezone.now())
    # What the provider says about the job (a refusal, an outage) is for its owner: in their language.
    with translation.override(language_for(job.user, job.organization)):
        _execute(job)


# Defined beside `_dispatch`, which queues it, under the name the queue knows (generation.tasks
# re-exports it): the time limit per kind is set when it is dispatched.
@shared_task(name="generation.tasks.run_job", acks_late=True)
def run_job(job_id):
    """Run one generation job."""
    execute_job(job_id=job_id)


def _execute(job):
    impl = providers.get(job.provider)
    try:
        result = impl.run(job, lambda percent: report_progress(job=job, percent=percent))
        saved = artifacts.save(job, result.files)
    except providers.JobCanceled:
        logger.info("job_stopped_after_cancel job=%s", job.pk)
        return
    except SoftTimeLimitExceeded:
        message = lazy_text(
            gettext_lazy("The job took longer than %(seconds)s seconds and was stopped."), seconds=TIME_LIMITS[job.kind]
        )
        fail_job(job=job, code="timeout", message=message)
        return
    except providers.ProviderError as exc:
        fail_job(job=job, code=exc.code, message=exc.message)
        return
    except Exception:  # whatever broke, the customer gets a failed job and a refund
        logger.exception("job_crashed job=%s", job.pk)
        fail_job(job=job, code="internal_error", message=gettext_lazy("The generation failed unexpectedly."))
        return
    try:
        complete_job(job=job, result=result, saved=saved, cost_micros=impl.cost_micros(job, result))
    except Exception:
        artifacts.delete(saved)
        raise


@transaction.atomic
def complete_job(*, job, result, saved, cost_micros):
    """running → succeeded: keep the artifacts, charge what was used, release the rest."""

    job = GenerationJob.objects.select_for_update(of=("self",)).select_related("organization", "user").get(pk=job.pk)
    if job.status != JobStatus.RUNNING:
        artifacts.delete(saved)
        return job
    organization = job.organization
    size = sum(f["size_bytes"] + f.get("thumbnail_size_bytes", 0) for f in saved)
    try:
        usage_services.check_quota(organization=organization, metric="storage_bytes", amount=size)
    except QuotaExceeded as exc:
        artifacts.delete(saved)
        return fail_job(job=job, code="quota_exceeded", message=exc.message)
    Artifact.objects.bulk_create([Artifact(organization=organization, job=job, **fields) for fields in saved])
    charged = job.credits_reserved
    if job.kind == Kind.CHAT and job.credits_per_unit:
        used_units = math.ceil((result.tokens_in + result.tokens_out) / 1000)
        charged = min(job.credits_reserved, used_units * job.credits_per_unit)
    JOB_MACHINE.advance(
        job,
        JobStatus.SUCCEEDED,
        progress=100,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        credits_charged=charged,
        provider_cost_micros=cost_micros,
        provider_currency=providers.get(job.provider).prices.currency,
        result_text=result.text,
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_out,
    )
    _refund(job, CreditEntry.Reason.RELEASE, job.credits_reserved - charged)
    if job.conversation_id:
        ConversationMessage.objects.create(
            conversation_id=job.conversation_id,
            role=ConversationMessage.Role.ASSISTANT,
            content=result.text,
            job=job,
            tokens_in=result.tokens_in,
            tokens_out=result.tokens_out,
        )
        Conversation.objects.filter(pk=job.conversation_id).update(updated_at=timezone.now())
    if charged:
        usage_services.record(organization=organization, metric="generation_credits", amount=charged)
    if size:
        usage_services.adjust_storage(organization=organization, delta_bytes=size)
    _push_status(job)
    notify(
        job.user or organization,
        "generation_completed",
        title=lazy_text(
            gettext_lazy("Your generation #%(number)s (%(kind)s) is ready"), number=job.pk, kind=Kind(job.kind).label
        ),
        body=job.prompt[:140],
        link=reverse("generation:job_detail", args=[job.pk]),
        related=job,
        organization=organization,
    )
    start_waiting_jobs(organization=organization)
    logger.info("job_succeeded job=%s credits=%s cost_micros=%s", job.pk, charged, cost_micros)
    return job


@transaction.atomic
def fail_job(*, job, code, message):
    """queued/running → failed, with the reserved credits refunded."""

    job = GenerationJob.objects.select_for_update(of=("self",)).select_related("organization", "user").get(pk=job.pk)
    if not job.is_active:
        return job
    with translation.override(language_for(job.user, job.organization)):  # shown to the job's owner
        stored = str(message)
    JOB_MACHINE.advance(job, JobStatus.FAILED, error_code=code[:40], error_message=stored, finished_at=timezone.now())
    _refund(job)
    _push_status(job)
    notify(
        job.user or job.organization,
        "generation_failed",
        title=lazy_text(
            gettext_lazy("Your generation #%(number)s (%(kind)s) could not be made"), number=job.pk, kind=Kind(job.kind).label
        ),
        body=lazy_text(
            ngettext_lazy(
                "%(error)s Your %(credits)s credit was refunded.", "%(error)s Your %(credits)s credits were refunded.", "credits"
            ),
            error=message,
            credits=job.credits_reserved,
        )
        if job.credits_reserved
        else message,
        link=reverse("generation:job_detail", args=[job.pk]),
        related=job,
        organization=job.organization,
    )
    start_waiting_jobs(organization=job.organization)
    logger.info("job_failed job=%s code=%s", job.pk, code)
    return job


@transaction.atomic
def cancel_job(*, organization, pk):
    """queued/running → canceled, credits refunded; a finished job cannot be canceled."""
    try:
        job = GenerationJob.objects.select_for_update().get(organization=organization, pk=pk)
    except (GenerationJob.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such generation job.")) from None
    if not job.is_active:
        raise InvalidTransition(
            _("This job is already finished (%(status)s): only a queued or running job can be canceled.")
            % {"status": job.get_status_display().lower()},
            code="job_finished",
        )
    was_running = job.status == JobStatus.RUNNING
    JOB_MACHINE.advance(job, JobStatus.CANCELED, finished_at=timezone.now())
    _refund(job)
    if was_running and job.task_id:
        transaction.on_commit(lambda: _revoke(job.task_id))
    _push_status(job)
    start_waiting_jobs(organization=organization)
    logger.info("job_canceled job=%s credits_refunded=%s", job.pk, job.credits_reserved)
    return job


def _revoke(task_id):
    """Stop the worker's task if the broker can reach it; otherwise its next progress report
    sees the cancel and stops (report_progress raises JobCanceled)."""
    try:
        celery_app.control.revoke(task_id, terminate=True, signal="SIGTERM")
    except Exception as exc:  # the broker may not support remote control (filesystem transport)
        logger.info("revoke_unavailable task=%s error=%s", task_id, exc)


# --- the sweeper -------------------------------------------------------------------------------


def fail_stale_jobs(*, now=None):
    """Fail (and refund) running jobs whose worker died (its heartbeat stopped, core.heartbeats:
    within a minute) or went silent for longer than the kind's time limit allows, then start
    waiting jobs wherever a slot is free. Returns counts.

    A job not yet picked up by a worker (no `worker`) is waiting in the queue, not lost: only the
    time limit applies to it."""
    now = now or timezone.now()
    stale = ~Q(worker="") & ~Q(worker__in=alive_keys("worker"))
    for kind, seconds in TIME_LIMITS.items():
        cutoff = now - timedelta(seconds=seconds + STALE_GRACE_SECONDS)
        stale |= Q(kind=kind, heartbeat_at__lt=cutoff)
    counts = {"failed": 0, "started": 0}
    for job in GenerationJob.objects.filter(stale, status=JobStatus.RUNNING).order_by("id"):
        fail_job(job=job, code="worker_lost", message=gettext_lazy("The worker running this job stopped responding."))
        counts["failed"] += 1
    waiting = GenerationJob.objects.filter(status=JobStatus.QUEUED).values_list("organization", flat=True).distinct()
    for organization in Organization.objects.filter(pk__in=list(waiting)):
        counts["started"] += len(start_waiting_jobs(organization=organization))
    return counts


# --- live updates ------------------------------------------------------------------------------


def job_event(job):
    return {
        "job": job.pk,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "error": job.error_message,
        "url": reverse("generation:job_detail", args=[job.pk]),
    }


def _push_status(job):
    push_event(job.user or job.organization, "generation.job", job_event(job))
