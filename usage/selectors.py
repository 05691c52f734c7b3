"""Reads about usage: limits (plan + active add-ons), what is used, projections and history."""

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing import selectors as billing_selectors
from core.errors import NotFound
from core.formats import format_date
from core.i18n import lazy_text
from usage import conf
from usage.counters import counter_key, store
from usage.models import (
    COUNTER_METRICS,
    GAUGE_METRICS,
    LEVEL_METRICS,
    AddonPrice,
    AddonPurchase,
    AddonType,
    Metric,
    UsageRecord,
)

# The metrics shown to customers, in this order.
DISPLAYED_METRICS = (
    Metric.TRAFFIC_BYTES,
    Metric.STORAGE_BYTES,
    Metric.GENERATION_CREDITS,
    Metric.API_REQUESTS,
    Metric.CONCURRENT_JOBS,
    Metric.MEMORY_MB,
)
BYTE_METRICS = frozenset({Metric.TRAFFIC_BYTES, Metric.STORAGE_BYTES})


# Generation's credit ledger, read through the function it registers (GenerationConfig.ready):
# summary(*, organization) -> generation.selectors.CreditSummary (included, included_left,
# included_spent, purchased_left, spent, left, period_start, period_end). Usage never imports generation.
_credit_summaries = []


def register_credit_summary(summary):
    _credit_summaries[:] = [summary]


def credit_summary(*, organization):
    """What the credit ledger says now (None when no ledger is registered)."""
    return _credit_summaries[0](organization=organization) if _credit_summaries else None


def credits_when_empty(*, organization, credits=None):
    """What happens at zero credits, in the reader's language (lazy); `credits`: the organization's
    credit summary when the caller has it."""
    credits = credits or credit_summary(organization=organization)
    if credits is not None and credits.unlimited:
        return gettext_lazy("Your plan's credits are unlimited: no job is refused for credits.")
    renewal = billing_selectors.next_invoice_at(organization=organization)
    free = billing_selectors.free_credit_period() if renewal is None else None
    if free is not None and free.credits:
        # No renewal coming (no subscription, or one set to end): the Free plan's month comes next.
        return lazy_text(
            gettext_lazy(
                "At zero credits, new jobs are refused until you buy a credit pack or the Free plan's next "
                "credits arrive (%(date)s)."
            ),
            date=_date_lazy(credits.period_end if credits is not None and credits.period_end else free.end),
        )
    if renewal is None:
        return gettext_lazy("At zero credits, new jobs are refused until you buy a credit pack.")
    return lazy_text(
        gettext_lazy(
            "At zero credits, new jobs are refused until you buy a credit pack or your plan's next credits "
            "arrive with your next paid period (%(date)s)."
        ),
        date=_date_lazy(renewal),
    )


_date_lazy = lazy(format_date, str)  # formatted when read, in the reader's language


def credit_alert_period(credits):
    """The moment UsageAlert rows of generation credits are keyed on: the start of the period of
    the included credits (alerts go out once per level per period), else the month's."""
    return credits.period_start or month_started_at()


def platform_time(moment=None):
    """`moment` (default now) on the platform's clock: usage months follow its calendar, as invoices do."""
    return timezone.localtime(moment, ZoneInfo(settings.PLATFORM_TIME_ZONE))


def month_start(moment=None):
    """The first day of the platform's calendar month of `moment`, default now."""
    moment = platform_time(moment)
    return date(moment.year, moment.month, 1)


def month_started_at(moment=None):
    """The first moment of the platform's calendar month of `moment` (aware), what UsageAlert rows
    of the counters are keyed on."""
    first = month_start(moment)
    return datetime(first.year, first.month, 1, tzinfo=ZoneInfo(settings.PLATFORM_TIME_ZONE))


def previous_month(month):
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def storage_prefix(organization):
    """The default_storage folder holding this organization's files ("orgs/<org_id>/"): generation
    and support write artifacts and attachments under it; the daily recount scans it."""
    return conf.STORAGE_PREFIX.format(org_id=organization.pk)


def storage_folders(organization):
    """Every default_storage folder whose files count as the organization's storage."""
    extra = [folder.format(org_id=organization.pk) for folder in conf.STORAGE_EXTRA_FOLDERS]
    return [storage_prefix(organization), *extra]


def is_hard(metric):
    return metric in conf.HARD_METRICS


def plan_limits(*, organization):
    return billing_selectors.plan_limits(organization=organization)


def plan_limits_many(*, organization_ids):
    return billing_selectors.plan_limits_many(organization_ids=organization_ids)


def lowest_plan_limits():
    """{metric: the lowest limit any plan sets}: no organization's limit is below it."""
    return billing_selectors.lowest_plan_limits()


def plan_keys(*, organization):
    """The tier and code of the organization's live plan ({"free"} without one): an add-on's
    allowed_plans may name either."""
    plan = billing_selectors.current_plan(organization=organization)
    return {plan.tier, plan.code} if plan is not None else {"free"}


def addon_extras_many(*, organization_ids):
    """{organization_id: {metric: amount added by its active add-ons}}, in one query."""
    rows = (
        AddonPurchase.objects.filter(organization_id__in=organization_ids, status=AddonPurchase.Status.ACTIVE)
        .values("organization_id", metric=F("addon_type__metric"))
        .annotate(extra=Sum(F("quantity") * F("addon_type__amount_per_unit")))
    )
    extras = {}
    for row in rows:
        extras.setdefault(row["organization_id"], {})[row["metric"]] = row["extra"]
    return extras


def addon_extras(*, organization):
    """{metric: amount added by the organization's active add-ons}, in one query."""
    return addon_extras_many(organization_ids=[organization.pk]).get(organization.pk, {})


def _add_extras(included, extras):
    """{metric: limit} for every metric: plan amount + add-ons; None = unlimited."""
    return {
        metric: None if included.get(metric) is None else included[metric] + extras.get(metric, 0) for metric in Metric.values
    }


def limits(*, organization):
    """{metric: limit} for every metric: plan amount + active add-ons; None = unlimited."""
    return _add_extras(plan_limits(organization=organization), addon_extras(organization=organization))


def limits_many(*, organization_ids):
    """{organization_id: limits()} for many organizations in three queries (the usage flush)."""
    included = plan_limits_many(organization_ids=organization_ids)
    extras = addon_extras_many(organization_ids=organization_ids)
    return {org_id: _add_extras(included[org_id], extras.get(org_id, {})) for org_id in included}


def limit_breakdown(*, organization):
    """[{"metric", "plan", "addons", "total", "hard"}] for every metric."""
    included = plan_limits(organization=organization)
    extras = addon_extras(organization=organization)
    rows = []
    for metric in Metric.values:
        base, extra = included.get(metric), extras.get(metric, 0)
        rows.append(
            {
                "metric": metric,
                "plan": base,
                "addons": extra,
                "total": None if base is None else base + extra,
                "hard": is_hard(metric),
            }
        )
    return rows


def limit_for(*, organization, metric):
    return limits(organization=organization)[metric]


def recorded_value(*, organization, metric, month):
    return (
        UsageRecord.objects.filter(organization=organization, metric=metric, month=month).values_list("value", flat=True).first()
        or 0
    )


def current_usage(*, organization, metric):
    """This month's use: counters include what is still in the cache; storage is the current level;
    a gauge is its latest value."""
    month = month_start()
    if metric in COUNTER_METRICS:
        pending = store().peek(counter_key(organization.pk, metric, month))
        return recorded_value(organization=organization, metric=metric, month=month) + pending
    if metric in LEVEL_METRICS | GAUGE_METRICS:
        latest = UsageRecord.objects.filter(organization=organization, metric=metric).order_by("-month").first()
        return latest.value if latest else 0
    return 0


def current_usages(*, organization):
    """{metric: current use} for every recorded metric, in two queries and one cache read."""
    month = month_start()
    values = {metric: 0 for metric in Metric.values}
    records = UsageRecord.objects.filter(organization=organization, month=month)
    values.update({r.metric: r.value for r in records})
    for metric in LEVEL_METRICS | GAUGE_METRICS:
        if metric not in {r.metric for r in records}:
            latest = UsageRecord.objects.filter(organization=organization, metric=metric).order_by("-month").first()
            values[metric] = latest.value if latest else 0
    keys = {counter_key(organization.pk, m, month): m for m in COUNTER_METRICS}
    for key, pending in store().peek_many(list(keys)).items():
        values[keys[key]] += pending
    return values


def projection(used, moment=None, *, metric):
    """Linear month-end projection of a counter: what was used so far, spread over the whole month.
    Levels and gauges project to their current value."""
    if metric not in COUNTER_METRICS:
        return used
    month_seconds, elapsed = _month_so_far(moment or timezone.now(), settings.PLATFORM_TIME_ZONE)
    if elapsed <= 0:
        return used
    return int(used * month_seconds / elapsed)


def projection_floor(limit, moment=None):
    """The least counter value whose `projection()` can pass `limit` at `moment` (rounded down)."""
    month_seconds, elapsed = _month_so_far(moment or timezone.now(), settings.PLATFORM_TIME_ZONE)
    return int(limit * max(elapsed, 0) / month_seconds)


@functools.lru_cache(maxsize=16)
def _month_so_far(moment, time_zone):
    """(seconds in the platform month of `moment`, seconds of it elapsed): a flush projects
    thousands of counters at one moment."""
    moment = platform_time(moment)
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    # Timestamps, not wall-clock differences: a month with a DST change is an hour shorter or longer.
    return end.timestamp() - start.timestamp(), moment.timestamp() - start.timestamp()


def percent(used, limit):
    if not limit:
        return None if limit is None else (100 if used else 0)
    return int(used * 100 / limit)


def level(pct):
    """The bar colour: green, orange from 80 %, red from 95 %."""
    if pct is None or pct < 80:
        return "ok"
    return "warn" if pct < 95 else "danger"


@dataclass(frozen=True)
class MetricUsage:
    metric: str
    label: str
    used: int
    limit: int | None
    percent: int | None
    level: str
    projected: int
    projected_over: bool
    hard: bool
    is_bytes: bool
    # Generation credits only: the ledger's summary and what happens at zero.
    credits: object = None
    when_empty: str = ""

    @property
    def bar_width(self):
        return min(self.percent or 0, 100)


def usage_summary(*, organization):
    """One MetricUsage per displayed metric: used, limit, percent, colour and projection."""
    all_limits = limits(organization=organization)
    used = current_usages(organization=organization)
    now = timezone.now()
    rows = []
    for metric in DISPLAYED_METRICS:
        if metric == Metric.GENERATION_CREDITS and _credit_summaries:
            rows.append(_credits_usage(organization))
            continue
        limit = all_limits[metric]
        value = used[metric]
        pct = percent(value, limit)
        projected = projection(value, now, metric=metric)
        rows.append(
            MetricUsage(
                metric=metric,
                label=Metric(metric).label,
                used=value,
                limit=limit,
                percent=pct,
                level=level(pct),
                projected=projected,
                projected_over=limit is not None and projected > limit,
                hard=is_hard(metric),
                is_bytes=metric in BYTE_METRICS,
            )
        )
    return rows


def _credits_usage(organization):
    """The credits row from the ledger: the plan's credits of this period used against what it
    included (never above 100 %: past them, purchased credits are spent), red once nothing is left."""
    credits = credit_summary(organization=organization)
    used, limit = credits.included_spent, credits.included
    pct = percent(used, limit) if limit else None
    return MetricUsage(
        metric=Metric.GENERATION_CREDITS,
        label=Metric(Metric.GENERATION_CREDITS).label,
        used=used,
        limit=limit,
        percent=pct,
        level="danger" if not credits.left else level(pct),
        projected=used,
        projected_over=False,
        hard=True,
        is_bytes=False,
        credits=credits,
        when_empty=credits_when_empty(organization=organization, credits=credits),
    )


def history(*, organization, months=12):
    """[{"month": date, metric: value, ...}] for the last `months` months, oldest first."""
    month = month_start()
    months_list = [month]
    for _month in range(months - 1):
        months_list.insert(0, previous_month(months_list[0]))
    table = {m: {"month": m, **{metric: 0 for metric in DISPLAYED_METRICS if metric != Metric.MEMORY_MB}} for m in months_list}
    records = UsageRecord.objects.filter(organization=organization, month__gte=months_list[0]).values_list(
        "month", "metric", "value"
    )
    for m, metric, value in records:
        if m in table and metric in table[m]:
            table[m][metric] = value
    current = current_usages(organization=organization)
    for metric in COUNTER_METRICS:
        table[month][metric] = current[metric]
    return list(table.values())


def history_records(*, organization):
    """Every recorded month, newest first (the paginated API list and the CSV export)."""
    return UsageRecord.objects.filter(organization=organization).order_by("-month", "metric")


def purchases_for(*, organization):
    return AddonPurchase.objects.filter(organization=organization).select_related("addon_type").order_by("-created_at")


def purchase_for(*, organization, pk):
    purchase = purchases_for(organization=organization).filter(pk=pk).first()
    if purchase is None:
        raise NotFound(_("No such add-on."))
    return purchase


@dataclass(frozen=True)
class Offer:
    addon_type: AddonType
    unit_amount: int | None
    currency: str
    allowed: bool

    @property
    def available(self):
        return self.allowed and self.unit_amount is not None


def offers(*, organization):
    """Every active add-on type with its price in the organization's currency and whether its plan
    may buy it."""
    keys = plan_keys(organization=organization)
    prices = dict(
        AddonPrice.objects.filter(currency=organization.currency, addon_type__is_active=True).values_list(
            "addon_type_id", "unit_amount"
        )
    )
    return [
        Offer(
            addon_type=t,
            unit_amount=prices.get(t.pk),
            currency=organization.currency,
            allowed=bool(keys & set(t.allowed_plans or [])),
        )
        for t in AddonType.objects.filter(is_active=True)
    ]


def addons_raising(*, organization, metric):
    """Codes of the add-ons this organization could buy to raise `metric` (told with quota errors)."""
    return [o.addon_type.code for o in offers(organization=organization) if o.available and o.addon_type.metric == metric]


def top_consumers(*, start, end, limit=10):
    """Staff-wide: {metric: [(organization name, total)]}, the biggest users of each counted metric over the period."""
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


def dashboard_panel(*, organization):
    """The customer dashboard's usage against limits (accounts.dashboard)."""
    return {
        "usage": [row for row in usage_summary(organization=organization) if row.metric != Metric.MEMORY_MB],
    }
