"""Revenue analytics for staff: MRR/ARR, MRR movement, churn, ARPU, cash collected, receivables.

Every figure is per currency ({"EUR": ..., "XOF": ...}) and in minor units: amounts in different
currencies are never added together. Read-only; nothing here writes.

MRR counts active and past-due subscriptions (trials and suspended ones bring no revenue): the
plan's price in the subscription's currency, less the coupon discount while the coupon still
applies to the next invoices (forever, or repeating cycles left), and a yearly price divided by
12, rounded half-up once on the monthly figure.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, NullIf, TruncMonth
from django.utils import timezone

from billing.models import CreditNote, Interval, Invoice, Payment, PlanPrice, Refund, Subscription
from core.errors import NotFound
from core.money import prorate
from coupons import selectors as coupon_selectors

COUNTED = (Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE)
RECEIVABLE = (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE)
AGE_BUCKETS = (("1-30", 1, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))


def _terms_lookup():
    """Coupon terms by code, read once per code (coupons owns the discount rule)."""
    known = {}

    def terms(code):
        if code not in known:
            try:
                known[code] = coupon_selectors.subscription_terms(code=code)
            except NotFound:
                known[code] = None  # a coupon deleted since: no discount we could compute
        return known[code]

    return terms


def monthly_amount(*, price, interval, terms=None, currency, coupon_applies=True):
    """One subscription's MRR in minor units."""
    if terms is not None and coupon_applies:
        price -= coupon_selectors.discount_for(terms=terms, amount=price, currency=currency)
    return prorate(price, 1, 12) if interval == Interval.YEAR else price


def organization_mrr(*, organization_ids=None):
    """{organization_id: (currency, mrr)} of the organizations with a counted subscription."""
    subscriptions = Subscription.objects.filter(status__in=COUNTED)
    if organization_ids is not None:
        subscriptions = subscriptions.filter(organization_id__in=organization_ids)
    rows = subscriptions.values_list(
        "organization_id", "plan_id", "plan__interval", "currency", "coupon_code", "coupon_cycles_remaining"
    )
    prices = {
        (plan, currency): amount for plan, currency, amount in PlanPrice.objects.values_list("plan_id", "currency", "amount")
    }
    terms = _terms_lookup()
    result = {}
    for organization_id, plan_id, interval, currency, coupon_code, cycles_left in rows:
        price = prices.get((plan_id, currency), 0)
        coupon = terms(coupon_code) if coupon_code else None
        mrr = monthly_amount(
            price=price, interval=interval, terms=coupon, currency=currency, coupon_applies=cycles_left is None or cycles_left > 0
        )
        result[organization_id] = (currency, mrr)
    return result


def mrr_by_currency(per_organization=None):
    """{"EUR": 12345, ...}: the sum of the counted subscriptions' MRR, per currency (from
    `organization_mrr()`'s result when the caller already has it)."""
    totals = defaultdict(int)
    for currency, mrr in (per_organization if per_organization is not None else organization_mrr()).values():
        totals[currency] += mrr
    return dict(sorted(totals.items()))


def arr_by_currency(mrr=None):
    return {currency: amount * 12 for currency, amount in (mrr if mrr is not None else mrr_by_currency()).items()}


def paying_customers(per_organization=None):
    """{currency: organizations with a counted subscription and a non-zero MRR}."""
    counts = defaultdict(int)
    for currency, mrr in (per_organization if per_organization is not None else organization_mrr()).values():
        if mrr > 0:
            counts[currency] += 1
    return dict(counts)


def arpu(*, mrr, customers):
    """Average revenue per paying customer and month, per currency (half-up)."""
    return {currency: prorate(amount, 1, customers[currency]) for currency, amount in mrr.items() if customers.get(currency)}


def subscribed_organization_ids():
    """Every organization that has or had a subscription."""
    return set(Subscription.objects.values_list("organization_id", flat=True))


def status_counts():
    counted = dict(Subscription.objects.filter(status__in=Subscription.LIVE).values_list("status").annotate(n=Count("id")))
    return {status: counted.get(status, 0) for status in Subscription.LIVE}


# --- MRR movement ------------------------------------------------------------------------------


def month_floor(day):
    return day.replace(day=1)


def next_month(month):
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def months_between(start, end):
    month = month_floor(start)
    while month <= end:
        yield month
        month = next_month(month)


@dataclass
class Movement:
    month: date
    new: int = 0
    expansion: int = 0
    contraction: int = 0  # negative
    churned: int = 0  # negative
    reactivation: int = 0
    mrr_start: int = 0
    mrr_end: int = 0
    customers_start: int = 0
    customers_churned: int = 0

    @property
    def net(self):
        return self.new + self.expansion + self.contraction + self.churned + self.reactivation


@dataclass
class _Walk:
    """One organization walked month by month: its MRR and whether it ever paid before."""

    value: tuple = ("", 0)
    paid_before: bool = False
    points: list = field(default_factory=list)


def mrr_movement(*, history, start, end):
    """{currency: [Movement per month from start to end]} from an MRR history.

    `history` is an iterable of (organization_id, month, currency, mrr): the organization's MRR at
    the end of that month (its latest known value carries over to the following months). Per
    organization and month: from 0 to more is new revenue, or a reactivation when it paid before;
    to 0 is churn; otherwise the difference is expansion or contraction. A currency change counts
    as churn in the old currency and new revenue in the other.
    """
    organizations = defaultdict(_Walk)
    for organization_id, month, currency, mrr in sorted(history, key=lambda row: (row[0], row[1])):
        organizations[organization_id].points.append((month_floor(month), currency, mrr))
    months = list(months_between(start, end))
    result = defaultdict(lambda: {month: Movement(month) for month in months})
    for walk in organizations.values():
        points = walk.points
        first = points[0][0]
        index = 0
        for month in months_between(min(first, months[0]), months[-1]):
            previous = walk.value
            while index < len(points) and points[index][0] <= month:
                walk.value = points[index][1:]
                index += 1
            if month >= months[0]:
                _classify(result, month, previous, walk)
            if walk.value[1] > 0:
                walk.paid_before = True
    return {currency: list(per_month.values()) for currency, per_month in sorted(result.items())}


def _classify(result, month, previous, walk):
    (old_currency, old), (currency, new) = previous, walk.value
    if old > 0:
        start = result[old_currency][month]
        start.mrr_start += old
        start.customers_start += 1
        if old_currency != currency:
            _churn(start, old)
            old = 0
    if old == 0 and new == 0:
        return
    row = result[currency][month]
    row.mrr_end += new
    if old == 0:
        if walk.paid_before:
            row.reactivation += new
        else:
            row.new += new
    elif new == 0:
        _churn(row, old)
    elif new > old:
        row.expansion += new - old
    else:
        row.contraction += new - old


def _churn(row, old):
    row.churned -= old
    row.customers_churned += 1


def _percent(part, whole):
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def churn_rates(movements):
    """{currency: {"customer": %, "revenue": %}} over the months given, against the start of the
    first month: customers lost / customers at start; (churned + contraction MRR) / MRR at start."""
    rates = {}
    for currency, months in movements.items():
        if not months:
            continue
        start = months[0]
        lost_customers = sum(m.customers_churned for m in months)
        lost_mrr = -sum(m.churned + m.contraction for m in months)
        rates[currency] = {
            "customer": _percent(lost_customers, start.customers_start),
            "revenue": _percent(lost_mrr, start.mrr_start),
        }
    return rates


# --- Cash and receivables ----------------------------------------------------------------------


def collected_by_month(*, start, end):
    """{currency: [(month, received, refunded, net)]}: the cash that moved in each month. Received:
    what providers captured (in the currency they captured it) and payments staff recorded by hand
    (a bank transfer: what the invoice still asked then). Refunded: the refunds providers paid
    out. Credit notes that returned no money (a voided invoice, a note credited to the customer
    balance) and invoices paid from the balance move no cash and change nothing here. Start and
    end are dates, inclusive."""
    window = {"gte": _moment(start), "lt": _moment(end + timedelta(days=1))}
    captured = (
        Payment.objects.filter(status__in=Payment.SETTLED, completed_at__gte=window["gte"], completed_at__lt=window["lt"])
        .annotate(month=TruncMonth("completed_at"), cash_currency=Coalesce(NullIf("currency_received", Value("")), "currency"))
        .values_list("cash_currency", "month")
        .annotate(amount=Sum(Coalesce("amount_received", "amount")))
    )
    credited_before_payment = (
        CreditNote.objects.filter(invoice=OuterRef("pk"), created_at__lt=OuterRef("paid_at"))
        .values("invoice")
        .annotate(amount=Sum("total"))
        .values("amount")
    )
    by_hand = (
        Invoice.objects.filter(status=Invoice.Status.PAID, paid_at__gte=window["gte"], paid_at__lt=window["lt"])
        .exclude(payments__status__in=Payment.SETTLED)
        .annotate(month=TruncMonth("paid_at"))
        .values_list("currency", "month")
        .annotate(amount=Sum(F("total") - F("balance_applied") - Coalesce(Subquery(credited_before_payment), Value(0))))
    )
    refunded = (
        Refund.objects.filter(status=Refund.Status.SUCCEEDED, completed_at__gte=window["gte"], completed_at__lt=window["lt"])
        .annotate(month=TruncMonth("completed_at"), cash_currency=Coalesce(NullIf("currency", Value("")), "payment__currency"))
        .values_list("cash_currency", "month")
        .annotate(amount=Sum("amount"))
    )
    sums = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for rows, column in ((captured, 0), (by_hand, 0), (refunded, 1)):
        for currency, month, amount in rows:
            if amount:
                sums[currency][_as_date(month)][column] += amount
    months = list(months_between(start, end))
    return {
        currency: [(month, *per_month[month], per_month[month][0] - per_month[month][1]) for month in months]
        for currency, per_month in sorted(sums.items())
    }


def _moment(day):
    """Midnight of `day` in the platform's time zone (a range on the indexed column, not on its date)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _as_date(value):
    return value.date() if hasattr(value, "date") else value


def amount_due_expression():
    return F("total") - F("amount_paid") - F("amount_credited")


def receivables(*, today):
    """{currency: {"outstanding", "not_due", "1-30", "31-60", "61-90", "90+", "invoices"}}: what
    open and uncollectible invoices still owe, by days past their due date."""
    due = amount_due_expression()
    buckets = {"not_due": Sum(due, filter=Q(due_date__gte=today) | Q(due_date__isnull=True))}
    for label, low, high in AGE_BUCKETS:
        condition = Q(due_date__lte=today - timedelta(days=low))
        if high is not None:
            condition &= Q(due_date__gte=today - timedelta(days=high))
        buckets[label] = Sum(due, filter=condition)
    rows = (
        Invoice.objects.filter(status__in=RECEIVABLE)
        .values("currency")
        .annotate(outstanding=Sum(due), invoices=Count("id"), **buckets)
        .order_by("currency")
    )
    return {row.pop("currency"): {key: value or 0 for key, value in row.items()} for row in rows}


def overdue_invoices(*, today, currency=None):
    """Open or uncollectible invoices past their due date, oldest first, with `amount_due` and
    `days_overdue` (computed in Python by the caller from due_date)."""
    invoices = (
        Invoice.objects.filter(status__in=RECEIVABLE, due_date__lt=today)
        .annotate(amount_due_now=amount_due_expression())
        .filter(amount_due_now__gt=0)
        .select_related("organization")
        .order_by("due_date", "id")
    )
    if currency:
        invoices = invoices.filter(currency=currency)
    return invoices


def age_bucket(days):
    for label, low, high in AGE_BUCKETS:
        if days >= low and (high is None or days <= high):
            return label
    return "not_due"


def revenue_by_source(*, start, end):
    """{currency: {source_type: total}} of invoices paid between two dates (inclusive)."""
    rows = (
        Invoice.objects.filter(
            status=Invoice.Status.PAID, paid_at__gte=_moment(start), paid_at__lt=_moment(end + timedelta(days=1))
        )
        .values_list("currency", "source_type")
        .annotate(amount=Sum("total"))
        .order_by("currency", "source_type")
    )
    result = defaultdict(dict)
    for currency, source, amount in rows:
        result[currency][source] = amount
    return dict(result)
