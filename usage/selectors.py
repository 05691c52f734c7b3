"""Reads about usage: limits (plan + active add-ons), what is used, projections and history."""

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, OuterRef, Q, Subquery, Sum
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
    return _when_empty(credits, billing_selectors.next_invoice_at(organization=organization))


def _when_empty(credits, renewal):
    """credits_when_empty() from the credit summary and the subscription's renewal date (or None)."""
    if credits is not None and credits.unlimited:
        return gettext_lazy("Your plan's credits are unlimited: no job is refused for credits.")
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
_when_empty_lazy = lazy(lambda credits, renewal: str(_when_empty(credits, renewal)), str)


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


def subscription_limits(*, organization, subscription):
    """plan_limits() of the organization from its live subscription (or None) a page already read."""
    return billing_selectors.subscription_limits(subscription)


def plan_limits_many(*, organization_ids):
    return billing_selectors.plan_limits_many(organization_ids=organization_ids)


def lowest_plan_limits():
    """{metric: the lowest limit any plan sets}: no organization's limit is below it."""
    return billing_selectors.lowest_plan_limits()


def plan_keys(*, organization):
    """The tier and code of the organization's live plan ({"free"} without one): an add-on's
    allowed_plans may name either."""
    subscription = billing_selectors.live_subscription(organization=organization)
    return subscription_plan_keys(organization=organization, subscription=subscription)


def subscription_plan_keys(*, organization, subscription):
    """plan_keys() of the organization from its live subscription (or None) a page already read."""
    plan = subscription.plan if subscription else None
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
    """{metric: current use} for every metric: this month's records (a level or gauge not recorded
    this month keeps its latest value) plus what the cache still holds, in one query and one cache read."""
    return usage_reads(organization=organization).used


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
    return usage_reads(organization=organization).summary()


def history(*, organization, months=12):
    """[{"month": date, metric: value, ...}] for the last `months` months, oldest first."""
    return usage_reads(organization=organization, months=months).history()


def usage_reads(*, organization, months=12):
    """UsageReads of the organization, its live subscription read now (outside a page)."""
    subscription = billing_selectors.live_subscription(organization=organization)
    return UsageReads(organization=organization, subscription=subscription, months=months)


class UsageReads:
    """What the usage pages show of one organization, each read at most once: the live
    subscription (pass the one the request already read, billing.selectors.request_live_subscription),
    the limits, the records of the last `months` months with the latest level of each gauge, and
    the credit summary. A page builds one and asks it everything."""

    def __init__(self, *, organization, subscription, months=12):
        self.organization, self.subscription = organization, subscription
        self.month = month_start()
        self.months = [self.month]
        for _month in range(months - 1):
            self.months.insert(0, previous_month(self.months[0]))

    @functools.cached_property
    def limits(self):
        """{metric: limit}: plan amount + active add-ons; None = unlimited."""
        included = subscription_limits(organization=self.organization, subscription=self.subscription)
        return _add_extras(included, addon_extras(organization=self.organization))

    @functools.cached_property
    def records(self):
        """{(month, metric): value} of the months shown, and of the latest month of each level and
        gauge (older when not recorded since), in one query."""
        latest = UsageRecord.objects.filter(organization=OuterRef("organization"), metric=OuterRef("metric"))
        latest_level = Q(metric__in=LEVEL_METRICS | GAUGE_METRICS, month=Subquery(latest.order_by("-month").values("month")[:1]))
        rows = UsageRecord.objects.filter(organization=self.organization).filter(Q(month__gte=self.months[0]) | latest_level)
        return {(month, metric): value for month, metric, value in rows.values_list("month", "metric", "value")}

    @functools.cached_property
    def used(self):
        """{metric: current use}: counters include what is still in the cache; storage is the
        current level; a gauge is its latest value."""
        values = {metric: self.records.get((self.month, metric), 0) for metric in Metric.values}
        for metric in LEVEL_METRICS | GAUGE_METRICS:
            if (self.month, metric) not in self.records:
                values[metric] = max(((m, v) for (m, name), v in self.records.items() if name == metric), default=(None, 0))[1]
        keys = {counter_key(self.organization.pk, m, self.month): m for m in COUNTER_METRICS}
        for key, pending in store().peek_many(list(keys)).items():
            values[keys[key]] += pending
        return values

    @functools.cached_property
    def credits(self):
        return credit_summary(organization=self.organization)

    def summary(self):
        """One MetricUsage per displayed metric: used, limit, percent, colour and projection."""
        now = timezone.now()
        rows = []
        for metric in DISPLAYED_METRICS:
            if metric == Metric.GENERATION_CREDITS and _credit_summaries:
                rows.append(self._credits_usage())
                continue
            limit = self.limits[metric]
            value = self.used[metric]
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

    def _credits_usage(self):
        """The credits row from the ledger: the plan's credits of this period used against what it
        included (never above 100 %: past them, purchased credits are spent), red once nothing is left."""
        credits = self.credits
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
            # Read when shown: the dashboard's summary does not show it.
            when_empty=_when_empty_lazy(credits, billing_selectors.renewal_at(self.subscription)),
        )

    def history(self):
        """[{"month": date, metric: value, ...}] of the months shown, oldest first; this month's
        counters include what is still in the cache."""
        shown = [metric for metric in DISPLAYED_METRICS if metric != Metric.MEMORY_MB]
        table = [{"month": m, **{metric: self.records.get((m, metric), 0) for metric in shown}} for m in self.months]
        for metric in COUNTER_METRICS:
            table[-1][metric] = self.used[metric]
        return table

    def offers(self):
        """Every active add-on type with its price in the organization's currency and whether its
        plan may buy it, in one query."""
        currency = self.organization.currency
        keys = subscription_plan_keys(organization=self.organization, subscription=self.subscription)
        price = AddonPrice.objects.filter(addon_type=OuterRef("pk"), currency=currency).values("unit_amount")[:1]
        return [
            Offer(
                addon_type=addon_type,
                unit_amount=addon_type.price_in_currency,
                currency=currency,
                allowed=bool(keys & set(addon_type.allowed_plans or [])),
            )
            for addon_type in AddonType.objects.filter(is_active=True).annotate(price_in_currency=Subquery(price))
        ]


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
    """UsageReads.offers() of the organization."""
    return usage_reads(organization=organization).offers()


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


def dashboard_panel(*, request):
    """The customer dashboard's usage against limits (accounts.dashboard)."""
    reads = UsageReads(organization=request.organization, subscription=billing_selectors.request_live_subscription(request))
    return {"usage": [row for row in reads.summary() if row.metric != Metric.MEMORY_MB]}
