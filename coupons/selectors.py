"""Coupon reads: the discount rule, the terms billing keeps applying to a subscription, the reads
of billing's invoices billing registers (customer history, discounts given), and staff lists and
statistics."""

from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from core.errors import NotFound
from core.money import percent_of
from coupons.models import Coupon, CouponUsage


@dataclass(frozen=True)
class CouponTerms:
    code: str
    discount_type: str
    value: Decimal | int  # a percent (Decimal) or an amount in minor units of `currency`
    currency: str  # "" for percentages
    duration: str  # once | repeating | forever
    duration_months: int | None  # for repeating: how many months of invoices get the discount, whatever the interval
    plans: frozenset = frozenset()  # the codes of the plans it is limited to (none: every plan)

    def covers_plan(self, plan_code):
        return not self.plans or plan_code in self.plans

    def invoice_count(self, interval="month"):
        """How many invoices of a subscription billed every `interval` ("month" or "year") get the
        discount, the first included: 1 for once, None for forever, and for repeating the periods
        that start within `duration_months` of the first (3 months: 3 monthly invoices, 1 yearly
        one; 13 months: 2 yearly ones). What billing counts down on the subscription."""
        if self.duration != "repeating":
            return {"once": 1}.get(self.duration)
        months_per_period = 12 if interval == "year" else 1
        return -(-self.duration_months // months_per_period)


@dataclass(frozen=True)
class CouponScope:
    """The items a coupon discounts: its products and categories (none of either: every item)."""

    products: frozenset = frozenset()
    categories: frozenset = frozenset()

    def covers(self, *, product_ref, category_refs):
        if not (self.products or self.categories):
            return True
        return product_ref in self.products or bool(self.categories & set(category_refs))


def scope_of(*, code):
    """What `code` may discount in a cart (an unknown code covers everything: validation then
    refuses it with its reason)."""
    coupon = Coupon.objects.filter(code=normalize_code(code)).only("products", "categories").first()
    if coupon is None:
        return CouponScope()
    return CouponScope(frozenset(coupon.products), frozenset(coupon.categories))


# What a coupon's scope may name, by kind: choices() -> [(reference, label)]. Billing registers
# its plans and the catalog its products and categories (their AppConfig.ready()): both sit above
# coupons, which never import them.
_scope_sources = {}


def register_scope_source(kind, choices):
    _scope_sources[kind] = choices


def scope_choices(kind):
    """[(reference, label)] that a coupon's `kind` ("plans", "products", "categories") may name."""
    source = _scope_sources.get(kind)
    return list(source()) if source else []


def normalize_code(code):
    return (code or "").strip().upper()


def coupon_by_code(code):
    """Case-insensitive: codes are stored upper-case."""
    coupon = Coupon.objects.filter(code=normalize_code(code)).first()
    if coupon is None:
        raise NotFound(_("No coupon with the code “%(code)s”.") % {"code": normalize_code(code)}, code="unknown")
    return coupon


def terms_of(coupon):
    percentage = coupon.discount_type == Coupon.DiscountType.PERCENTAGE
    return CouponTerms(
        code=coupon.code,
        discount_type=coupon.discount_type,
        value=coupon.percent_off if percentage else coupon.amount_off,
        currency="" if percentage else coupon.currency,
        duration=coupon.duration,
        duration_months=coupon.duration_months,
    )


def subscription_terms(*, code):
    """What billing stores on a subscription to discount its later invoices: a repeating coupon
    covers `duration_months` monthly invoices (billing counts them down), `forever` all of them,
    and only the plans it is limited to (a plan change can leave its scope)."""
    coupon = coupon_by_code(code)
    return replace(terms_of(coupon), plans=frozenset(coupon.plans))


def discount_for(*, terms, amount, currency):
    """The discount on `amount` (minor units): a percentage rounded half-up to the minor unit,
    a fixed amount capped at `amount`, so a total never goes below zero. A fixed amount in
    another currency gives no discount: nothing is ever converted (validation refuses such a
    code with `currency_mismatch` before it is attached to anything)."""
    if amount <= 0:
        return 0
    if terms.discount_type == Coupon.DiscountType.PERCENTAGE:
        return min(percent_of(amount, terms.value), amount)
    if terms.currency != currency:
        return 0
    return min(terms.value, amount)


# Billing sits above coupons (it reserves, confirms and applies them) and registers, from
# BillingConfig.ready(), the two reads of its invoices coupons need: paid_invoices(*,
# organization=None, source_type=None, source_id=None), the paid invoices, the last paid first;
# coupon_discounts(*, codes=None, start=None, end=None, currency=""), {(code, currency):
# (discount, revenue)} of the paid invoices that carried a coupon.
_invoice_reads = {}


def register_invoice_reads(*, paid_invoices, coupon_discounts):
    _invoice_reads.update(paid_invoices=paid_invoices, coupon_discounts=coupon_discounts)


def organization_has_paid(*, organization, source_type=None):
    """Whether `organization` has a paid invoice (for `source_type` when given: "order" or
    "subscription")."""
    return _invoice_reads["paid_invoices"](organization=organization, source_type=source_type).exists()


def paid_invoice_for(*, target_type, target_id):
    """The latest paid invoice of an order or subscription (recorded on a confirmed usage)."""
    return _invoice_reads["paid_invoices"](source_type=target_type, source_id=target_id).first()


def live_usages_count(*, coupon, organization):
    return (
        CouponUsage.objects.filter(coupon=coupon, organization=organization).exclude(status=CouponUsage.Status.RELEASED).count()
    )


def coupon_performance(*, start, end, currency=""):
    """Staff-wide, per coupon and currency over the period: the uses confirmed in it, and the
    discount the invoices paid in it actually gave with the coupon and their revenue (tax
    excluded), a subscription's later discounted renewals included."""
    usages = CouponUsage.objects.filter(
        status=CouponUsage.Status.CONFIRMED, confirmed_at__date__gte=start, confirmed_at__date__lte=end
    )
    if currency:
        usages = usages.filter(currency=currency)
    uses = {(code, money): n for code, money, n in usages.values_list("coupon__code", "currency").annotate(n=Count("id"))}
    given = _invoice_reads["coupon_discounts"](start=start, end=end, currency=currency)
    codes = {code for code, _money in uses.keys() | given.keys()}
    names = dict(Coupon.objects.filter(code__in=codes).values_list("code", "name"))
    rows = [
        {"coupon__code": code, "coupon__name": names.get(code, ""), "currency": money, "uses": uses.get((code, money), 0),
         "discount": given.get((code, money), (0, 0))[0], "revenue": given.get((code, money), (0, 0))[1]}
        for code, money in uses.keys() | given.keys()
    ]  # fmt: skip
    return sorted(rows, key=lambda row: (-row["uses"], -row["revenue"], row["coupon__code"], row["currency"]))


def usages_of(*, coupon):
    return coupon.usages.select_related("organization", "user", "invoice").order_by("-reserved_at", "-id")


def usage_stats(*, coupon):
    """Per currency: confirmed uses, and the discount actually given and the revenue (tax excluded)
    of the paid invoices that carried the coupon (a subscription's later discounted invoices
    included); plus the reserved and released counts."""
    confirmed = Q(status=CouponUsage.Status.CONFIRMED)
    uses = dict(coupon.usages.filter(confirmed).values_list("currency").annotate(uses=Count("id")))
    given = {currency: amounts for (_code, currency), amounts in _invoice_reads["coupon_discounts"](codes=[coupon.code]).items()}
    by_currency = [
        {"currency": currency, "uses": uses.get(currency, 0), "discount": given.get(currency, (0, 0))[0],
         "revenue": given.get(currency, (0, 0))[1]}
        for currency in sorted(set(uses) | set(given))
    ]  # fmt: skip
    counts = coupon.usages.aggregate(
        reserved=Count("id", filter=Q(status=CouponUsage.Status.RESERVED)),
        confirmed=Count("id", filter=confirmed),
        released=Count("id", filter=Q(status=CouponUsage.Status.RELEASED)),
        paid_orders=Count("id", filter=confirmed & Q(target_type=CouponUsage.Target.ORDER)),
    )
    return {"by_currency": list(by_currency), "checkout_share": _checkout_share(counts["paid_orders"]), **counts}


# How many checkouts the shop has had paid: the base of a code's checkout share. The catalog
# registers it (CatalogConfig.ready), so coupons never import the catalog that imports them.
_checkout_counts = []


def register_checkout_count(count):
    _checkout_counts[:] = [count]


def _checkout_share(paid_orders):
    """The coupon's paid orders as a share of all paid checkouts, in percent (None before any sale)."""
    total = _checkout_counts[0]() if _checkout_counts else 0
    return round(100 * paid_orders / total, 1) if total else None
