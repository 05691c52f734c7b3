"""The MRR history the movement report reads: one row per organization and month."""

from django.utils import timezone

from backoffice.models import MrrSnapshot
from billing import analytics


def record_mrr(*, organization_ids, month=None):
    """Store the current MRR of these organizations for the month (0 when nothing is counted any
    more, so a cancellation shows as churn)."""
    month = (month or timezone.localdate()).replace(day=1)
    current = analytics.organization_mrr(organization_ids=organization_ids)
    known = dict(
        MrrSnapshot.objects.filter(organization_id__in=organization_ids)
        .order_by("month")
        .values_list("organization_id", "currency")
    )
    rows = []
    for organization_id in organization_ids:
        currency, mrr = current.get(organization_id, (known.get(organization_id), 0))
        if currency is not None:  # an organization that never paid has no history to start with a zero
            rows.append(MrrSnapshot(organization_id=organization_id, month=month, currency=currency, mrr=mrr))
    MrrSnapshot.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["organization", "month"], update_fields=["currency", "mrr", "updated_at"]
    )
    return len(rows)


def record_all(*, month=None):
    """Every organization that has or had revenue (used by the benchmark and after a data import)."""
    with_subscriptions = analytics.subscribed_organization_ids()
    with_history = set(MrrSnapshot.objects.values_list("organization_id", flat=True))
    return record_mrr(organization_ids=sorted(with_subscriptions | with_history), month=month)


def history(*, until):
    return MrrSnapshot.objects.filter(month__lte=until).values_list("organization_id", "month", "currency", "mrr")
