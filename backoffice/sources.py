"""The read-only queries the reports make on other apps' tables, kept in this one module because
generation and usage offer no staff-wide selector for them. Nothing here writes."""

from django.db.models import Count, Q, Sum


def generation_by_kind_and_provider(*, start, end):
    """Jobs submitted between two dates: count, succeeded, credits charged, provider cost (USD micros)."""
    from generation.models import GenerationJob

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


def top_consumers(*, start, end, limit=10):
    """{metric: [(organization name, total)]}: the biggest users of each counted metric over the period."""
    from usage.models import COUNTER_METRICS, UsageRecord

    rows = (
        UsageRecord.objects.filter(metric__in=COUNTER_METRICS, month__gte=start.replace(day=1), month__lte=end)
        .values("metric", "organization__name")
        .annotate(total=Sum("value"))
        .order_by("metric", "-total")
    )
    result = {}
    for row in rows:
        ranked = result.setdefault(row["metric"], [])
        if len(ranked) < limit:
            ranked.append((row["organization__name"], row["total"]))
    return result


def coupon_performance(*, start, end, currency=""):
    """Confirmed coupon uses of the period per coupon and currency: uses, discount, revenue."""
    from coupons.models import CouponUsage

    usages = CouponUsage.objects.filter(
        status=CouponUsage.Status.CONFIRMED, confirmed_at__date__gte=start, confirmed_at__date__lte=end
    )
    if currency:
        usages = usages.filter(currency=currency)
    return list(
        usages.values("coupon__code", "coupon__name", "currency")
        .annotate(uses=Count("id"), discount=Sum("discount"), revenue=Sum("final_amount"))
        .order_by("-uses", "-revenue", "coupon__code")
    )
