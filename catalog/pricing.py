"""Cart and order arithmetic: one place that turns (unit price, quantity, VAT rate, discount)
into line amounts and totals. VAT is computed per line on the discounted amount, with the
one rounding rule of core.money.percent_of."""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from core.money import percent_of


@dataclass(frozen=True)
class PricedLine:
    product: object
    quantity: int
    unit_amount: int
    vat_rate: Decimal
    discount_amount: int = 0
    item_id: int | None = None
    brief: str = ""

    @property
    def subtotal(self):
        return self.unit_amount * self.quantity

    @property
    def taxable(self):
        return self.subtotal - self.discount_amount

    @property
    def vat_amount(self):
        return percent_of(self.taxable, self.vat_rate)

    @property
    def total(self):
        return self.taxable + self.vat_amount


def allocate_discount(discount, lines, eligible=None):
    """Spread a discount over the `eligible` lines (a predicate; every line by default) in
    proportion to their amounts (largest remainders get the leftover minor units), so the lines'
    discounts add up exactly; the other lines get none."""
    chosen = [i for i, line in enumerate(lines) if eligible is None or eligible(line)]
    gross = sum(lines[i].subtotal for i in chosen)
    if not discount or not gross:
        return list(lines)
    shares = {i: discount * lines[i].subtotal // gross for i in chosen}
    by_remainder = sorted(chosen, key=lambda i: discount * lines[i].subtotal % gross, reverse=True)
    for i in by_remainder[: discount - sum(shares.values())]:
        shares[i] += 1
    return [replace(line, discount_amount=shares[i]) if i in shares else line for i, line in enumerate(lines)]


@dataclass(frozen=True)
class Totals:
    currency: str
    lines: list = field(default_factory=list)
    # The promo code's check (coupons.services.CouponCheck), None when the cart has no code.
    coupon: object = None

    @property
    def subtotal(self):
        return sum(line.subtotal for line in self.lines)

    @property
    def discount(self):
        return sum(line.discount_amount for line in self.lines)

    @property
    def vat(self):
        return sum(line.vat_amount for line in self.lines)

    @property
    def total(self):
        return sum(line.total for line in self.lines)

    @property
    def vat_by_rate(self):
        """[(rate, base, vat)] sorted by rate, as an invoice shows them."""
        base, vat = defaultdict(int), defaultdict(int)
        for line in self.lines:
            base[line.vat_rate] += line.taxable
            vat[line.vat_rate] += line.vat_amount
        return [(rate, base[rate], vat[rate]) for rate in sorted(base)]

    @property
    def quantity(self):
        return sum(line.quantity for line in self.lines)
