"""The VAT decision: one place that says, for every invoice line whatever its source (shop order,
subscription, add-on, manual line), what rate applies and why, from the seller (a French company
selling electronically supplied services) and the buyer (country, business or consumer, VAT
number).

- France: the French rate of what is sold.
- EU business with a valid VAT number: reverse charge, 0 % (art. 283-2 CGI, art. 196 of Directive
  2006/112/EC), "Autoliquidation" printed.
- EU consumer (or a business without a valid number): the French rate while the seller's EU
  distance sales stay under the threshold (art. 259 D CGI: 10,000 € a calendar year, the current
  and the previous one), the destination country's rate above it (declared through the OSS).
- Outside the EU: out of scope of French VAT, art. 259-1 CGI for a business, art. 259 B CGI for a
  consumer of electronically supplied services.

Each line records its basis (`TaxBasis`); documents print the mention that goes with it.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import F

from billing.models import DistanceSalesYear, TaxBasis
from billing.tax_identity import EU_COUNTRIES, usable_vat_number
from core.money import to_decimal

STANDARD_RATE = Decimal("20.00")
# XOF is pegged to the euro at a fixed parity (1 EUR = 655.957 XOF): conversions are exact.
EUR_PARITY = {"EUR": Decimal("1"), "XOF": Decimal("655.957")}


# Standard rates of the member states, each table in force from its date (most recent last).
# Electronically supplied services take the standard rate of the buyer's country under the OSS.
EU_STANDARD_RATES = [
    (
        date(2024, 1, 1),
        {
            "AT": "20", "BE": "21", "BG": "20", "CY": "19", "CZ": "21", "DE": "19", "DK": "25", "EE": "22",
            "ES": "21", "FI": "24", "FR": "20", "GR": "24", "HR": "25", "HU": "27", "IE": "23", "IT": "22",
            "LT": "21", "LU": "17", "LV": "21", "MT": "18", "NL": "21", "PL": "23", "PT": "23", "RO": "19",
            "SE": "25", "SI": "22", "SK": "20",
        },
    ),
    (date(2024, 9, 1), {"FI": "25.5"}),
    (date(2025, 1, 1), {"SK": "23"}),
    (date(2025, 7, 1), {"EE": "24"}),
    (date(2025, 8, 1), {"RO": "21"}),
]  # fmt: skip


def standard_rate(country, on):
    """The standard VAT rate of EU `country` on the date `on`."""
    rate = None
    for since, rates in EU_STANDARD_RATES:
        if since <= on and country in rates:
            rate = rates[country]
    if rate is None:
        raise ValueError(f"No VAT rate for {country} on {on}")
    return Decimal(rate).quantize(Decimal("0.01"))


def vat_in_euros(vat_total, currency):
    """{"eur_rate", "vat_total_eur"} that a document in `currency` records at its issue: the rate
    and its VAT total in euro cents (BR-FR-CO-12), none in EUR. The rate is XOF's fixed parity,
    exact and legal; the only currencies sold are EUR and XOF (a floating one would need a dated
    rate table, and a currency without a rate here stops the issue rather than guess one)."""
    if currency == "EUR":
        return {"eur_rate": None, "vat_total_eur": None}
    return {"eur_rate": EUR_PARITY[currency], "vat_total_eur": to_eur_cents(vat_total, currency)}


def to_eur_cents(amount, currency):
    """`amount` (minor units of `currency`) in euro cents, rounded half-up."""
    euros = to_decimal(amount, currency) / EUR_PARITY[currency]
    return int((euros * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Buyer:
    country: str
    is_business: bool
    vat_number: str = ""  # only a number that passed validation: anything else is no number

    @classmethod
    def of(cls, organization):
        return cls(
            country=(organization.country or "").upper(),
            is_business=organization.is_business,
            vat_number=usable_vat_number(organization),
        )

    @property
    def in_eu(self):
        return self.country in EU_COUNTRIES

    @property
    def eu_consumer(self):
        """Taxed as a consumer in another member state: no valid VAT number to reverse-charge."""
        return self.in_eu and self.country != "FR" and not (self.is_business and self.vat_number)


@dataclass(frozen=True)
class Decision:
    rate: Decimal
    basis: str

    @property
    def category(self):
        return TaxBasis.category(self.basis)


def decide(buyer, *, french_rate, over_threshold, on):
    """The VAT of one line sold to `buyer` whose French rate is `french_rate`."""
    french_rate = Decimal(str(french_rate))
    if buyer.country == "FR":
        return Decision(french_rate, TaxBasis.DOMESTIC)
    if buyer.in_eu and not buyer.eu_consumer:
        return Decision(Decimal("0.00"), TaxBasis.REVERSE_CHARGE)
    if buyer.in_eu:
        if over_threshold:
            return Decision(standard_rate(buyer.country, on), TaxBasis.EU_CONSUMER_OSS)
        return Decision(french_rate, TaxBasis.EU_CONSUMER_FR)
    basis = TaxBasis.OUTSIDE_EU_BUSINESS if buyer.is_business else TaxBasis.OUTSIDE_EU_CONSUMER
    return Decision(Decimal("0.00"), basis)


def threshold_cents():
    return int(Decimal(str(settings.EU_DISTANCE_SALES_THRESHOLD_EUR)) * 100)


def over_threshold(*, year, adding_cents):
    """Whether EU distance sales pass the threshold with `adding_cents` more this `year`: the
    destination's VAT applies from the sale that passes it, and all the next year."""
    totals = dict(DistanceSalesYear.objects.filter(year__in=[year - 1, year]).values_list("year", "net_eur_cents"))
    limit = threshold_cents()
    return totals.get(year - 1, 0) > limit or totals.get(year, 0) + adding_cents > limit


def decide_lines(organization, lines, *, on):
    """The decisions for `lines` ((french_rate, net amount) pairs in the organization's currency)
    of one sale to `organization` on the date `on`."""
    buyer = Buyer.of(organization)
    over = False
    if buyer.eu_consumer:
        adding = to_eur_cents(sum(net for _rate, net in lines), organization.currency)
        over = over_threshold(year=on.year, adding_cents=adding)
    return [decide(buyer, french_rate=rate, over_threshold=over, on=on) for rate, _net in lines]


def record_distance_sales(invoice):
    """Count a finalized invoice's EU consumer sales in its year's running total."""
    _add_distance_sales(invoice.issue_date.year, invoice, sign=1)


def record_distance_credit(note):
    """Take a credit note's EU consumer lines off the running total of the year of the invoice it
    corrects: that year's sales were worth less, and the threshold measures what was sold."""
    _add_distance_sales(note.invoice.issue_date.year, note, sign=-1)


def _add_distance_sales(year, document, *, sign):
    """A conditional F() update, so concurrent finalizations and credit notes add up."""
    eu_bases = (TaxBasis.EU_CONSUMER_FR, TaxBasis.EU_CONSUMER_OSS)
    net = sum(line.net_amount for line in document.lines.all() if line.tax_basis in eu_bases)
    if not net:
        return
    cents = sign * to_eur_cents(net, document.currency)
    DistanceSalesYear.objects.get_or_create(year=year)
    DistanceSalesYear.objects.filter(year=year).update(net_eur_cents=F("net_eur_cents") + cents)
