"""Prices without writes: invoice lines and their totals, VAT by rate (decided by billing.tax),
subscription periods (calendar billing included), proration and the wording of plan lines.

Amounts are minor units in the organization's currency; rates are Decimal percents.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel.dates import format_date
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils.translation import gettext as _

from billing import selectors
from billing.models import Interval
from billing.selectors import platform_today  # noqa: F401  (billing's clock, read through pricing)
from billing.tax import STANDARD_RATE, decide_lines
from core.errors import ValidationFailed
from core.money import percent_of, prorate


@dataclass(frozen=True)
class LineSpec:
    """One line to invoice. Amounts in minor units, tax excluded. `french_rate` (a Decimal
    percent) is the French VAT rate of what is sold; the rate charged is billing.tax's decision."""

    description: str
    quantity: int
    unit_amount: int
    french_rate: Decimal = STANDARD_RATE
    discount_amount: int = 0
    product_ref: str = ""


def check_line(spec):
    """`spec` checked (ValidationFailed otherwise): returns its net amount and French rate."""
    try:
        rate = Decimal(str(spec.french_rate))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("“%(rate)s” is not a VAT rate.") % {"rate": spec.french_rate}, code="invalid_line") from None
    if not isinstance(spec.quantity, int) or spec.quantity < 1:
        raise ValidationFailed(_("A line's quantity is a whole number of at least 1."), code="invalid_line")
    if not isinstance(spec.unit_amount, int) or not isinstance(spec.discount_amount, int):
        raise ValidationFailed(_("Line amounts are whole minor units."), code="invalid_line")
    if not (Decimal(0) <= rate <= Decimal(100)):
        raise ValidationFailed(_("A VAT rate is between 0 and 100 percent."), code="invalid_line")
    gross = spec.quantity * spec.unit_amount
    if spec.discount_amount < 0 or (spec.discount_amount and spec.discount_amount > gross):
        raise ValidationFailed(_("A discount is positive and never above the line's amount."), code="invalid_line")
    if not spec.description.strip():
        raise ValidationFailed(_("Every line needs a description."), code="invalid_line")
    return gross - spec.discount_amount, rate


def price_line(spec, decision):
    """The rounded amounts of a line taxed as `decision` says: VAT rounded half-up once, on the
    line's net amount."""
    net, _french_rate = check_line(spec)
    rate = decision.rate
    vat = percent_of(net, rate)
    return {
        "description": spec.description.strip()[:300],
        "product_ref": spec.product_ref[:80],
        "quantity": spec.quantity,
        "unit_amount": spec.unit_amount,
        "discount_amount": spec.discount_amount,
        "vat_rate": rate,
        "tax_basis": decision.basis,
        "net_amount": net,
        "vat_amount": vat,
        "total_amount": net + vat,
    }


def price_lines(organization, specs, *, on):
    """`specs` priced for a sale to `organization` on the date `on`, taxed by billing.tax."""
    checked = [check_line(spec) for spec in specs]
    decisions = decide_lines(organization, [(rate, net) for net, rate in checked], on=on)
    return [price_line(spec, decision) for spec, decision in zip(specs, decisions, strict=True)]


def totals(priced):
    subtotal = sum(line["quantity"] * line["unit_amount"] for line in priced)
    discount = sum(line["discount_amount"] for line in priced)
    net = sum(line["net_amount"] for line in priced)
    vat = sum(line["vat_amount"] for line in priced)
    return {"subtotal": subtotal, "discount_total": discount, "net_total": net, "vat_total": vat, "total": net + vat}


def vat_breakdown(lines):
    """[(rate, base, vat)] per VAT rate: sums of the rounded lines, so they add up to the totals."""
    groups = defaultdict(lambda: [0, 0])
    for line in lines:
        groups[line.vat_rate][0] += line.net_amount
        groups[line.vat_rate][1] += line.vat_amount
    return [(rate, base, vat) for rate, (base, vat) in sorted(groups.items())]


def add_interval(moment, interval, anchor_day=None):
    """One month or year after `moment`, on `anchor_day` when given (clamped to the month's last
    day, as Stripe's billing anchor: from 28 Feb with anchor 30, the 30th of March)."""
    step = relativedelta(months=1) if interval == Interval.MONTH else relativedelta(years=1)
    return moment + step + (relativedelta(day=anchor_day) if anchor_day else relativedelta())


def period_from(organization, start, plan, anchor_day=None):
    """(end, num, den) of the period starting at `start`: a whole interval (num == den), or with
    calendar billing one cut at the 1st of the month, priced num/den of a whole one."""
    end = add_interval(start, plan.interval, anchor_day)
    if not selectors.calendar_billing(organization=organization):
        return end, 1, 1
    local = end.astimezone(ZoneInfo(settings.PLATFORM_TIME_ZONE))
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if first <= start or first == local:
        return end, 1, 1
    return first, int((first - start).total_seconds()), int((end - start).total_seconds())


def plan_price(plan, currency):
    price = plan.price_in(currency)
    if price is None or not plan.is_active:
        raise ValidationFailed(
            _("The %(plan)s plan is not sold in %(currency)s.") % {"plan": plan.name, "currency": currency},
            code="plan_not_available_in_currency",
            fields={"plan": [_("Not sold in %(currency)s.") % {"currency": currency}]},
        )
    return price


def period_label(start, end, locale):
    """“1 Dec 2026 – 1 Jan 2027” in the buyer's language, as invoice lines print periods."""
    fmt = "d MMM yyyy"
    return f"{format_date(start.date(), fmt, locale=locale)} – {format_date(end.date(), fmt, locale=locale)}"


# Line wording in the buyer's language: the invoice is printed in it.
PLAN_LINE_TEXT = {
    "en": {"month": "monthly", "year": "yearly", "unused": "Unused time on {}", "remaining": "Remaining time on {}"},
    "fr": {"month": "mensuel", "year": "annuel", "unused": "Temps non utilisé sur {}", "remaining": "Reste de la période sur {}"},
}


def plan_line(subscription, plan, amount, start, end, *, kind=""):
    org = subscription.organization
    text = PLAN_LINE_TEXT["fr" if org.locale.startswith("fr") else "en"]
    name = text[kind].format(plan.name) if kind else plan.name
    label = f"{name} ({text[plan.interval]}), {period_label(start, end, org.locale)}"
    return LineSpec(description=label, quantity=1, unit_amount=amount, product_ref=f"plan:{plan.code}")


def charge_line(charge):
    return LineSpec(
        description=charge.description,
        quantity=charge.quantity,
        unit_amount=charge.unit_amount,
        product_ref=charge.product_ref,
    )


def yearly_price(plan, currency):
    return plan_price(plan, currency) * plan.periods_per_year


def proration(*, old_price, new_price, start, end, now, same_interval):
    """(credit, charge) in minor units: the unused part of the old period, and what the new plan
    costs for the rest of this period (or a whole new period when the interval changes)."""
    total = int((end - start).total_seconds())
    remaining = max(int((end - now).total_seconds()), 0)
    credit = prorate(old_price, remaining, total)
    charge = prorate(new_price, remaining, total) if same_interval else new_price
    return credit, charge
