"""Billing reads, always scoped to an organization (or to a source another app owns)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min, Prefetch, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import providers
from billing.models import (
    BalanceEntry,
    BillingSettings,
    CreditNote,
    DunningEvent,
    Invoice,
    Payment,
    PaymentMethod,
    PendingCharge,
    Plan,
    PlanPrice,
    Subscription,
)
from billing.models.payments import MOBILE_MONEY_CURRENCIES
from billing.tax import decide_lines
from core.errors import NotFound
from core.reads import read_once
from core.tasks import after_commit


def plan_choices():
    """[(code, name)] of every plan, sold or not (a coupon's scope names plans by code)."""
    return list(Plan.objects.order_by("sort_order", "code").values_list("code", "name"))


def plans_for_sale(*, currency=None):
    """Active plans with their prices (one query for the prices), those sold in `currency` when given."""
    plans = Plan.objects.filter(is_active=True).prefetch_related(
        Prefetch("prices", queryset=PlanPrice.objects.order_by("currency"))
    )
    if currency:
        plans = plans.filter(prices__currency=currency)
    return plans


def payments_simulated():
    """Whether a test-mode payment provider is offered (every page then says so)."""
    return any(provider.test_mode for provider in providers.enabled())


@read_once
def live_subscription(*, organization):
    return (
        Subscription.objects.select_related("plan", "scheduled_plan", "pending_plan", "pending_invoice")
        .filter(organization=organization, status__in=Subscription.LIVE)
        .first()
    )


def request_live_subscription(request, *, keep=True):
    """live_subscription() of the request's organization, read once per request: a billing page
    that shows it reads it with keep=True (it changes nothing), and the billing banner
    (context_processors) reuses it with keep=False, which never stores what it reads itself."""
    organization = request.organization
    memo = getattr(request, "_webox_live_subscription", None)
    if memo is not None and memo[0] == organization.pk:
        return memo[1]
    subscription = live_subscription(organization=organization)
    if keep:
        request._webox_live_subscription = (organization.pk, subscription)
    return subscription


@dataclass(frozen=True)
class CreditPeriod:
    """The period whose plan credits the organization holds now (a subscription's, or the Free
    plan's calendar month without one): `key` names it (the same for the whole period, whatever
    plan changes it sees), `credits` is what its plan includes (None: unlimited)."""

    key: str
    start: datetime
    end: datetime
    credits: int | None
    plan_name: str


def credit_period(*, organization, now=None):
    """The CreditPeriod whose plan credits are due to the organization now: its live
    subscription's trial (its allowance), or an active or past-due period that is paid (its invoice
    paid, or none needed: a free plan). Without a live subscription the organization is on the
    Free plan (its limits are, see plan_limits): the Free plan's credits for the platform's
    calendar month. None otherwise (suspended, period not paid yet, no Free plan)."""
    subscription = live_subscription(organization=organization)
    if subscription is None:
        return free_credit_period(now=now)
    if subscription.status == Subscription.Status.SUSPENDED:
        return None
    start = subscription.current_period_start
    if subscription.status != Subscription.Status.TRIALING:
        unpaid = Invoice.objects.filter(subscription=subscription, period_start=start).exclude(status=Invoice.Status.PAID)
        if unpaid.exists():
            return None
    return CreditPeriod(
        key=f"subscription:{subscription.pk}:{start.isoformat()}",
        start=start,
        end=subscription.current_period_end,
        credits=subscription.plan.generation_credits,
        plan_name=subscription.plan.name,
    )


def coupon_discounts(*, codes=None, start=None, end=None, currency=""):
    """{(coupon code, currency): (discount, revenue)}: what the paid invoices that carried a coupon
    actually took off and their revenue tax excluded (every discounted invoice of a subscription,
    not only its first), paid between the dates `start` and `end` when given."""
    invoices = Invoice.objects.filter(status=Invoice.Status.PAID).exclude(coupon_code="")
    if codes is not None:
        invoices = invoices.filter(coupon_code__in=codes)
    if start is not None:
        invoices = invoices.filter(paid_at__date__gte=start, paid_at__date__lte=end)
    if currency:
        invoices = invoices.filter(currency=currency)
    rows = invoices.values_list("coupon_code", "currency").annotate(discount=Sum("discount_total"), revenue=Sum("net_total"))
    return {(code, money_currency): (discount, revenue) for code, money_currency, discount, revenue in rows}


def trial_used(*, organization):
    """Whether the organization has had its one free trial (it subscribes without one then)."""
    return Subscription.objects.filter(organization=organization, trial_end__isnull=False).exists()


def next_invoice_at(*, organization):
    """When the organization's next subscription invoice is issued (its period's end), or None
    when no renewal is coming: no subscription, one set to end, or a suspended one."""
    return renewal_at(live_subscription(organization=organization))


def renewal_at(subscription):
    """next_invoice_at() from the organization's live subscription (or None) a page already read."""
    renews = subscription is not None and not subscription.cancel_at_period_end
    if renews and subscription.status in (Subscription.Status.TRIALING, Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE):
        return subscription.current_period_end
    return None


def pending_charges_for(*, organization):
    """Charges waiting for the organization's next subscription invoice."""
    return PendingCharge.objects.filter(organization=organization, invoice__isnull=True)


def charges_billed_on(*, invoice):
    """The pending charges an invoice picked up (their source tells whose they are)."""
    return PendingCharge.objects.filter(invoice=invoice)


def subscriptions_for(*, organization):
    return Subscription.objects.filter(organization=organization).select_related("plan", "scheduled_plan")


def invoices_for(*, organization):
    return Invoice.objects.filter(organization=organization).exclude(status=Invoice.Status.DRAFT)


def open_and_recent_invoices(*, organization, recent=5):
    """(the open invoices, the `recent` latest invoices) in one query: the billing overview shows
    both. The latest ones are the first rows of any set that holds them, in the same order."""
    latest = invoices_for(organization=organization).values("pk")[:recent]
    rows = list(invoices_for(organization=organization).filter(Q(status=Invoice.Status.OPEN) | Q(pk__in=latest)))
    return [row for row in rows if row.status == Invoice.Status.OPEN], rows[:recent]


def invoice_for(*, organization, pk):
    """An organization's invoice; another organization's (or a draft) is NotFound."""
    invoice = invoices_for(organization=organization).filter(pk=pk).first()
    if invoice is None:
        raise NotFound(_("No such invoice."))
    return invoice


def invoices_for_source(*, source_type, source_id):
    return Invoice.objects.filter(source_type=source_type, source_id=str(source_id))


def paid_invoices(*, organization=None, source_type=None, source_id=None):
    """Paid invoices, the last paid first: an organization's, a source type's, or one source's
    (coupons' first-payment rule and the invoice a confirmed use records, the shop's refunds)."""
    invoices = Invoice.objects.filter(status=Invoice.Status.PAID)
    if organization is not None:
        invoices = invoices.filter(organization=organization)
    if source_type:
        invoices = invoices.filter(source_type=source_type)
    if source_id is not None:
        invoices = invoices.filter(source_id=str(source_id))
    return invoices.order_by("-paid_at", "-id")


def credit_notes_for(*, organization):
    return CreditNote.objects.filter(organization=organization).select_related("invoice")


def credit_note_for(*, organization, pk):
    note = credit_notes_for(organization=organization).filter(pk=pk).first()
    if note is None:
        raise NotFound(_("No such credit note."))
    return note


def invoice_url(invoice):
    return reverse("billing:invoice_detail", args=[invoice.pk])


def overdue_invoices_url():
    return reverse("billing:invoice_list") + "?status=open"


def pay_url(invoice, method=""):
    """The page where the customer pays the invoice; `method` ("card", "mobile_money": the
    choice made at checkout) is preselected there."""
    url = reverse("billing:invoice_pay", args=[invoice.pk])
    return f"{url}?{urlencode({'method': method})}" if method else url


def takes_mobile_money(currency):
    """Whether invoices in `currency` can be paid by mobile money (XOF); checkout offers it only then."""
    return currency in MOBILE_MONEY_CURRENCIES


def current_plan(*, organization):
    subscription = live_subscription(organization=organization)
    return subscription.plan if subscription else None


FREE_PLAN_CACHE_KEY = "billing:free-plan"
FREE_PLAN_CACHE_SECONDS = 300


@read_once
def free_plan():
    """The Free plan (None without one), whose limits and credits every organization without a
    subscription has: cached, and forgotten whenever a plan is saved or deleted (BillingConfig)."""
    found = cache.get(FREE_PLAN_CACHE_KEY)
    if found is None:
        found = (Plan.objects.filter(tier="free", is_active=True).order_by("sort_order").first(),)
        cache.set(FREE_PLAN_CACHE_KEY, found, FREE_PLAN_CACHE_SECONDS)
    return found[0]


def forget_free_plan(**_signal):
    """A plan changed: the next free_plan() reads it again, in every process (now and after the commit)."""
    cache.delete(FREE_PLAN_CACHE_KEY)
    after_commit("free_plan_cache", lambda: cache.delete(FREE_PLAN_CACHE_KEY))


def free_credit_period(*, now=None):
    """The Free plan's credits of the platform's calendar month of `now` (None without a Free plan)."""
    plan = free_plan()
    if plan is None:
        return None
    local = (now or timezone.now()).astimezone(ZoneInfo(settings.PLATFORM_TIME_ZONE))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return CreditPeriod(key=f"free:{start:%Y-%m}", start=start, end=end, credits=plan.generation_credits, plan_name=plan.name)


def subscribed_organization_ids():
    """The ids of the organizations with a live subscription (a subquery: the others are on the Free plan)."""
    return Subscription.objects.filter(status__in=Subscription.LIVE).values("organization_id")


def plan_limits(*, organization):
    """{"traffic_bytes", "storage_bytes", "generation_credits", "concurrent_jobs", "memory_mb",
    "support_priority"} of the live plan; the Free plan's without one (None = unlimited)."""
    return subscription_limits(live_subscription(organization=organization))


def subscription_limits(subscription):
    """plan_limits() from the organization's live subscription (or None) a page already read."""
    plan = (subscription.plan if subscription else None) or free_plan() or Plan()
    return plan.limits()


def plan_limits_many(*, organization_ids):
    """{organization_id: plan_limits} for many organizations in three queries (the usage flush)."""
    ids = set(organization_ids)
    live = Subscription.objects.filter(organization_id__in=ids, status__in=Subscription.LIVE)
    live = dict(live.values_list("organization_id", "plan_id"))
    limits = {plan.pk: plan.limits() for plan in Plan.objects.filter(pk__in=set(live.values()))}
    default = None if ids <= live.keys() else (free_plan() or Plan()).limits()
    return {org_id: limits[live[org_id]] if org_id in live else default for org_id in ids}


def lowest_plan_limits():
    """{limit: the lowest positive value any plan sets, or None when none sets one}. No
    organization's limit is below it (add-ons only raise limits): the usage flush reads the limits
    of only the organizations whose use comes near it."""
    fields = [name for name in Plan.LIMIT_FIELDS if name != "support_priority"]
    lowest = Plan.objects.aggregate(**{name: Min(name, filter=Q(**{f"{name}__gt": 0})) for name in fields})
    if free_plan() is None:  # plan_limits() then falls back to the model's defaults
        lowest = {name: min((v for v in (lowest[name], getattr(Plan(), name)) if v), default=None) for name in fields}
    return lowest


def calendar_billing(*, organization):
    return BillingSettings.objects.filter(organization=organization, calendar_billing=True).exists()


def suspended_subscription(organization):
    return Subscription.objects.filter(organization=organization, status=Subscription.Status.SUSPENDED).first()


def dunning_steps_reached(*, invoice_ids):
    """{invoice_id: "D+15 suspension warning"}: the last dunning step taken on each invoice (one query)."""
    reached = {}
    events = DunningEvent.objects.filter(invoice_id__in=list(invoice_ids)).order_by("invoice_id", "offset_days")
    for event in events.only("invoice_id", "offset_days", "action"):
        reached[event.invoice_id] = f"D+{event.offset_days} {event.get_action_display().lower()}"
    return reached


def payment_for(*, organization, pk):
    payment = Payment.objects.filter(organization=organization, pk=pk).select_related("invoice").first()
    if payment is None:
        raise NotFound(_("No such payment."))
    return payment


def method_for(*, organization, pk):
    method = PaymentMethod.objects.filter(organization=organization, pk=pk).first()
    if method is None:
        raise NotFound(_("No such payment method."), code="payment_method_not_found")
    return method


def suspension_reason(organization):
    """Why `organization` may not use the service now (accounts.entitlements), or None."""
    subscription = suspended_subscription(organization) if organization is not None else None
    if subscription is None:
        return None
    if subscription.suspended_at_trial_end:
        return "Your trial has ended: start your subscription on the billing page to continue."
    return "Your subscription is suspended until the overdue invoices are paid."


def balance_for(*, organization, currency):
    """The organization's customer balance in `currency` (minor units, never below zero)."""
    entries = BalanceEntry.objects.filter(organization=organization, currency=currency)
    return entries.aggregate(total=Sum("amount"))["total"] or 0


def balances_for(*, organization):
    """{currency: balance} of every currency the organization's balance ever moved in."""
    rows = BalanceEntry.objects.filter(organization=organization).values_list("currency").annotate(total=Sum("amount"))
    return dict(sorted(rows))


def balance_entries_for(*, organization):
    """The balance's ledger, newest first, with the documents each entry comes from."""
    return BalanceEntry.objects.filter(organization=organization).select_related("invoice", "credit_note", "payment")


def dashboard_panel(*, request):
    """The customer dashboard's plan, renewal and invoices to pay (accounts.dashboard)."""
    subscription = request_live_subscription(request)
    return {
        "subscription": subscription,
        "next_invoice_at": renewal_at(subscription),
        "invoices_to_pay": list(
            invoices_for(organization=request.organization).filter(status=Invoice.Status.OPEN).order_by("due_date")[:5]
        ),
    }


def platform_today():
    """Invoice dates (and the year of their numbers) follow the seller's calendar."""
    return timezone.now().astimezone(ZoneInfo(settings.PLATFORM_TIME_ZONE)).date()


def vat_rates(*, organization, lines):
    """The VAT rates of a sale to `organization` today: one Decimal percent per line of `lines`
    ((French rate, net amount in the organization's currency) pairs), as its invoice will charge
    them (billing.tax decides both)."""
    return [decision.rate for decision in decide_lines(organization, lines, on=platform_today())]


def has_billing_history(organization):
    """Whether invoices or subscriptions pin the organization's currency (accounts.locks)."""
    return (
        Invoice.objects.filter(organization=organization).exists()
        or Subscription.objects.filter(organization=organization).exists()
    )
