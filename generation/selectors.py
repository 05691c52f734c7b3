"""Reads of generation data, always scoped to an organization."""

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, Sum
from django.utils.translation import gettext as _

from core.errors import NotFound
from generation.models import Artifact, Conversation, CreditEntry, CreditPrice, GenerationJob

BALANCE_CACHE_SECONDS = 300


def balance_cache_key(organization_id):
    return f"generation:credit-balance:{organization_id}"


def ledger_sum(*, organization):
    """The balance from the ledger itself (no cache): what reservations are checked against."""
    return CreditEntry.objects.filter(organization=organization).aggregate(total=Sum("amount"))["total"] or 0


def credit_balance(*, organization):
    """The organization's credits: the sum of its ledger, cached until the next movement."""
    key = balance_cache_key(organization.pk)
    balance = cache.get(key)
    if balance is None:
        balance = ledger_sum(organization=organization)
        cache.set(key, balance, BALANCE_CACHE_SECONDS)
    return balance


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


def dashboard_panel(*, organization):
    """The customer dashboard's credits and recent jobs (accounts.dashboard)."""
    return {
        "credits_available": credit_balance(organization=organization),
        "jobs": list(jobs_for(organization=organization).order_by("-created_at")[:5]),
    }
