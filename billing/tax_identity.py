"""Tax identities: VAT numbers checked for format and checksum by python-stdnum, as the tax
decision uses them. A number that fails its checksum, or belongs to another country than the
buyer's, is no number: it never earns the reverse charge."""

from stdnum import get_cc_module
from stdnum.util import clean

EU_COUNTRIES = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())
# EU VAT numbers start with the ISO country code, except Greece's (EL).
VAT_PREFIX = {"GR": "EL"}


def normalized_vat_number(number):
    """`number` without spaces, dots, dashes or slashes, upper case (what invoices print)."""
    return clean(number or "", " -./").upper().strip()


def vat_number_valid(number, country):
    """Whether `number` is a well-formed VAT number of `country`, checksum included. In the EU it
    must carry the country's prefix; elsewhere python-stdnum's rule for the country applies."""
    number = normalized_vat_number(number)
    if not number:
        return False
    country = (country or "").upper()
    if country in EU_COUNTRIES and not number.startswith(VAT_PREFIX.get(country, country)):
        return False
    module = get_cc_module(country.lower(), "vat") if len(country) == 2 else None
    return bool(module and module.is_valid(number))


def usable_vat_number(organization):
    """The organization's VAT number if it may be relied on, else ""."""
    if vat_number_valid(organization.vat_number, organization.country):
        return normalized_vat_number(organization.vat_number)
    return ""
