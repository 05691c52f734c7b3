"""Money: integer amounts in the currency's minor unit plus an ISO 4217 code.

The one place where rounding happens: `percent_of()` rounds half-up to the minor unit, once, and
callers apply it per line. Exponents come from the currency (Babel's CLDR data: EUR 2, XOF 0).
Formatting is locale-aware through Babel, never f-strings.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, get_currency_symbol
from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from core.formats import babel_locale

# The currencies WeBox sells in (settings.SUPPORTED_CURRENCIES): every model field, constraint,
# filter and schema enum takes its list from here.
CURRENCIES = list(settings.SUPPORTED_CURRENCIES)
CURRENCY_CHOICES = [(code, code) for code in CURRENCIES]
SESSION_CURRENCY = "shop_currency"


def shown_currency(request, organization=None):
    """The currency prices are shown and charged in, on every page (shop, pricing): the
    organization's once signed in; for visitors, a valid `?currency=` (remembered in the session),
    else the one they chose before, else the first supported one."""
    if organization:
        return organization.currency
    wanted = request.GET.get("currency", "").upper()
    session = getattr(request, "session", None)
    if wanted in CURRENCIES:
        if session is not None:
            session[SESSION_CURRENCY] = wanted
        return wanted
    remembered = session.get(SESSION_CURRENCY) if session is not None else None
    return remembered if remembered in CURRENCIES else CURRENCIES[0]


def exponent(currency):
    return get_currency_precision(currency)


def check_currency(currency):
    if currency not in CURRENCIES:
        raise ValidationFailed(
            _("Unsupported currency “%(currency)s”. Use one of: %(choices)s.")
            % {"currency": currency, "choices": ", ".join(CURRENCIES)},
            code="unsupported_currency",
            fields={"currency": [_("Unsupported currency.")]},
        )
    return currency


def percent_of(amount, rate):
    """`rate` percent of `amount` minor units, rounded half-up to a whole minor unit."""
    return int((Decimal(amount) * Decimal(rate) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def prorate(amount, numerator, denominator):
    """`amount * numerator / denominator`, rounded half-up (used for partial periods)."""
    if denominator <= 0:
        return 0
    return int((Decimal(amount) * numerator / denominator).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_decimal(amount, currency):
    """Minor units to a Decimal in major units: 1999 EUR -> Decimal('19.99'), 5000 XOF -> 5000."""
    return Decimal(amount).scaleb(-exponent(currency))


def to_minor(value, currency):
    """A major-unit value from outside (string or Decimal) to minor units, refusing extra digits."""
    try:
        major = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("“%(value)s” is not an amount.") % {"value": value}, code="invalid_amount") from None
    minor = major.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise ValidationFailed(
            _("%(currency)s amounts have %(places)s decimal places at most.")
            % {"currency": currency, "places": exponent(currency)},
            code="invalid_amount",
        )
    return int(minor)


def format_money(amount, currency, locale=None):
    """An amount for people, in the given language or the active one: 2140 EUR reads "21,40 €" in
    French and "€21.40" in English, 25500 XOF "25 500 F CFA" and "F CFA 25,500"."""
    babel = babel_locale(locale)
    text = format_currency(to_decimal(amount, currency), currency, locale=babel)
    return _space_symbol(text, get_currency_symbol(currency, babel))


def _space_symbol(text, symbol):
    """CLDR's currency spacing, which Babel leaves out: a symbol ending (or starting) with a letter
    is kept apart from the digits by a no-break space ("F CFA 25,500", not "F CFA25,500")."""
    at = text.find(symbol)
    if at < 0:
        return text
    before, after = text[:at], text[at + len(symbol) :]
    if after[:1].isdigit() and symbol[-1].isalpha():
        after = "\u00a0" + after
    if before[-1:].isdigit() and symbol[0].isalpha():
        before += "\u00a0"
    return before + symbol + after
