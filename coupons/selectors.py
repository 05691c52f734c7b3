"""Coupon reads: the discount rule, the terms billing keeps applying to a subscription, the one
read of billing's invoices (customer history), and staff lists and statistics."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from billing.models import Invoice
from billing.selectors import invoices_for, invoices_for_source
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
    duration_months: int | None  # for repeating: how many monthly invoices get the discount

    @property
    def invoice_count(self):
        """How many invoices of a subscription get the discount, the first included: 1 for once,
        N for repeating, None for forever (what billing counts down on the subscription)."""
        return {"once": 1, "repeating": self.duration_months}.get(self.duration)


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
    covers `duration_months` monthly invoices (billing counts them down), `forever` all of them."""
    return terms_of(coupon_by_code(code))


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


def organization_has_paid(*, organization, source_type=None):
    """Whether `organization` has a paid invoice (for `source_type` when given: "order" or
    "subscription"). Billing offers no such selector, so this is the one place where coupons read
    billing's invoices, through billing.selectors.invoices_for and never writing them."""
    paid = invoices_for(organization=organization).filter(status=Invoice.Status.PAID)
    if source_type:
        paid = paid.filter(source_type=source_type)
    return paid.exists()


def paid_invoice_for(*, target_type, target_id):
    """The latest paid invoice of an order or subscription (recorded on a confirmed usage)."""
    return (
        invoices_for_source(source_type=target_type, source_id=target_id)
        .filter(status=Invoice.Status.PAID)
        .order_by("-paid_at", "-id")
        .first()
    )


def live_usages_count(*, coupon, organization):
    return (
        CouponUsage.objects.filter(coupon=coupon, organization=organization).exclude(status=CouponUsage.Status.RELEASED).count()
    )


def coupon_performance(*, start, end, currency=""):
    """Staff-wide: confirmed coupon uses of the period per coupon and currency: uses, discount, revenue."""
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


def usages_of(*, coupon):
    return coupon.usages.select_related("organization", "user", "invoice").order_by("-reserved_at", "-id")


def usage_stats(*, coupon):
    """Per currency: confirmed uses, discount granted and revenue (final amounts) of the orders and
    subscriptions paid with the coupon; plus the reserved and released counts."""
    confirmed = Q(status=CouponUsage.Status.CONFIRMED)
    by_currency = (
        coupon.usages.filter(confirmed)
        .values("currency")
        .annotate(uses=Count("id"), discount=Sum("discount"), revenue=Sum("final_amount"))
        .order_by("currency")
    )
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
