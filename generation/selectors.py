"""Reads of generation data, always scoped to an organization."""

import functools
from dataclasses import InitVar, dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, F, Min, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import selectors as billing_selectors
from core.errors import NotFound
from generation.models import Artifact, Conversation, CreditEntry, CreditGrant, CreditPrice, GenerationJob
from usage import selectors as usage_selectors

BALANCE_CACHE_SECONDS = 300


def balance_cache_key(organization_id):
    return f"generation:credit-balance:{organization_id}"


def summary_cache_key(organization_id):
    return f"generation:credit-summary:{organization_id}"


def live_grants(*, organization, now=None):
    """The organization's grants that still count: not written off, not past their expiry."""
    now = now or timezone.now()
    return CreditGrant.objects.filter(organization=organization, expired_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def spendable_grants(*, organization):
    """The live grants holding credits, each with `left`, in the order credits are spent: by
    priority (the plan's first), then the soonest to expire, then the oldest."""
    return (
        live_grants(organization=organization)
        .annotate(left=Sum("entries__amount"))
        .filter(left__gt=0)
        .order_by("priority", F("expires_at").asc(nulls_last=True), "created_at", "id")
    )


def ledger_sum(*, organization):
    """The balance from the ledger itself (no cache): the credits left on the live grants, what
    reservations are checked against."""
    live = live_grants(organization=organization)
    return CreditEntry.objects.filter(grant__in=live).aggregate(total=Sum("amount"))["total"] or 0


def credit_balance(*, organization):
    """The organization's credits: the sum of its live grants' ledger, cached until the next
    movement or the next expiry, whichever comes first."""
    key = balance_cache_key(organization.pk)
    balance = cache.get(key)
    if balance is None:
        # ledger_sum() and the next expiry of a grant it counts, in one query (a grant with no
        # entry adds nothing to the sum, so its expiry cannot change it).
        found = CreditEntry.objects.filter(grant__in=live_grants(organization=organization)).aggregate(
            total=Sum("amount"), next_expiry=Min("grant__expires_at")
        )
        balance, seconds = found["total"] or 0, BALANCE_CACHE_SECONDS
        if found["next_expiry"] is not None:
            seconds = max(1, min(seconds, int((found["next_expiry"] - timezone.now()).total_seconds())))
        cache.set(key, balance, seconds)
    return balance


def unlimited_credits(*, organization):
    """Whether the organization's plan has unlimited credits now (its jobs take none)."""
    plan = billing_selectors.current_plan(organization=organization)
    if plan is not None and plan.generation_credits is not None:
        return False  # never, paid or not: no need to read whether its period is paid
    period = billing_selectors.credit_period(organization=organization)
    return period is not None and period.credits is None


def purchased_credits(*, organization, order_ref):
    """The credits the purchase `order_ref` granted (0 when it granted none)."""
    grant = CreditGrant.objects.filter(organization=organization, order_ref=order_ref, kind=CreditGrant.Kind.PURCHASED)
    return grant.values_list("amount", flat=True).first() or 0


@dataclass(frozen=True)
class CreditSummary:
    """What the ledger says now, as the pages, the alerts and the API tell it.

    included: the plan's credits of the current period (0 when none are granted now);
    included_left / purchased_left: what is left of them (purchased credits never expire);
    spent: credits jobs used since the period began (the calendar month without plan credits),
    net of refunds; period_start / period_end: the period of the included credits (None without);
    unlimited: the plan's credits are unlimited (jobs take none from the ledger), read from billing
    when first asked, and only without plan credits (unlimited plans grant none)."""

    organization: InitVar[object]
    included: int
    included_left: int
    purchased_left: int
    spent: int
    period_start: datetime | None
    period_end: datetime | None

    def __post_init__(self, organization):
        object.__setattr__(self, "_organization", organization)

    @functools.cached_property
    def unlimited(self):
        return self.period_start is None and unlimited_credits(organization=self._organization)

    @property
    def left(self):
        return self.included_left + self.purchased_left

    @property
    def included_spent(self):
        return self.included - self.included_left


def credit_summary(*, organization):
    """The CreditSummary of the organization now. What the ledger says is cached until its next
    movement, the next expiry of a grant or the end of the month (when no plan credits start the
    period), else read in two queries."""
    key = summary_cache_key(organization.pk)
    now = timezone.now()
    cached = cache.get(key)
    # The moment it stops being true travels with it: the cache's own expiry follows the cache
    # server's clock, which a test moving the time does not move.
    if cached is None or cached[1] <= now:
        ledger, until = _ledger_summary(organization, now)
        cache.set(key, (ledger, until), max(1, min(BALANCE_CACHE_SECONDS, int((until - now).total_seconds()))))
    else:
        ledger = cached[0]
    return CreditSummary(organization=organization, **ledger)


def _ledger_summary(organization, now):
    """(CreditSummary's fields, the moment they stop being true if the ledger does not move first)."""
    grants = list(
        live_grants(organization=organization, now=now)
        .values("id", "kind", "amount", "created_at", "effective_at", "expires_at")
        .annotate(left=Sum("entries__amount"))
    )
    plan = [grant for grant in grants if grant["kind"] == CreditGrant.Kind.PLAN]
    first = min(plan, key=lambda grant: (grant["created_at"], grant["id"]), default=None)
    # Spent since the plan credits arrived (their grant's own time: a period started ahead of the
    # clock by a billing run for a later date still counts what came after it), else this month.
    month = usage_selectors.platform_time(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    since = first["created_at"] if first else month
    spent = CreditEntry.objects.filter(
        organization=organization,
        created_at__gte=since,
        reason__in=[CreditEntry.Reason.RESERVATION, CreditEntry.Reason.REFUND, CreditEntry.Reason.RELEASE],
    ).aggregate(total=Sum("amount"))["total"]
    ends = [grant["expires_at"] for grant in grants if grant["expires_at"] is not None]
    if first is None:
        ends.append((month + timedelta(days=32)).replace(day=1))
    ledger = {
        "included": sum(grant["amount"] for grant in plan),
        "included_left": sum(grant["left"] or 0 for grant in plan),
        "purchased_left": sum(grant["left"] or 0 for grant in grants if grant["kind"] == CreditGrant.Kind.PURCHASED),
        "spent": -(spent or 0),
        "period_start": first["effective_at"] if first else None,
        "period_end": first["expires_at"] if first else None,
    }
    return ledger, min([now + timedelta(seconds=BALANCE_CACHE_SECONDS), *ends])


def jobs_for(*, organization):
    artifacts = Prefetch("artifacts", queryset=Artifact.objects.order_by("id"))
    return GenerationJob.objects.filter(organization=organization).select_related("user").prefetch_related(artifacts)


def job_for(*, organization, pk):
    """The organization's job, or NotFound (another organization's job is not found)."""
    try:
        return jobs_for(organization=organization).get(pk=pk)
    except (GenerationJob.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such generation job.")) from None


def artifact_for(*, organization, job_pk, artifact_pk=None):
    """The job's artifact (the first one unless `artifact_pk`), or NotFound for anyone else."""
    artifacts = Artifact.objects.filter(organization=organization, job_id=job_pk)
    if artifact_pk is not None:
        artifacts = artifacts.filter(pk=artifact_pk)
    artifact = artifacts.order_by("id").first()
    if artifact is None:
        raise NotFound(_("This job has no such file."))
    return artifact


def conversations_for(*, organization):
    return Conversation.objects.filter(organization=organization)


def conversation_for(*, organization, pk):
    try:
        return conversations_for(organization=organization).get(pk=pk)
    except (Conversation.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such conversation.")) from None


def credit_price(*, kind, provider, model):
    return CreditPrice.objects.filter(kind=kind, provider=provider, model=model, is_active=True).first()


def credit_prices():
    """{(kind, provider, model): credits per unit} of every active price."""
    return {(p.kind, p.provider, p.model): p.credits for p in CreditPrice.objects.filter(is_active=True)}


# --- staff-wide reads (the back office) ---------------------------------------------------------


def active_job_count():
    return GenerationJob.objects.filter(status__in=("queued", "running")).count()


def jobs_by_kind_and_provider(*, start, end):
    """Jobs submitted between two dates: count, succeeded, credits charged, provider cost (USD micros)."""
    return list(
        GenerationJob.objects.filter(created_at__date__gte=start, created_at__date__lte=end)
        .values("kind", "provider")
        .annotate(
            jobs=Count("id"),
            succeeded=Count("id", filter=Q(status="succeeded")),
            credits=Sum("credits_charged"),
            cost_micros=Sum("provider_cost_micros"),
        )
        .order_by("kind", "provider")
    )


def dashboard_panel(*, request):
    """The customer dashboard's credits and recent jobs (accounts.dashboard): the jobs' kind,
    status and prompt only (no artifacts)."""
    organization = request.organization
    return {
        "credits_available": credit_balance(organization=organization),
        "credits": credit_summary(organization=organization),
        "jobs": list(GenerationJob.objects.filter(organization=organization).order_by("-created_at")[:5]),
    }
