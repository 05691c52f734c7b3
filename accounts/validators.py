"""Normalizers and checks for organization fields, shared by the settings page, the API and
billing's tax decision. VAT numbers and French SIREN/SIRET are checked by python-stdnum (format
and checksum); the EU's VIES confirms VAT numbers where it answers (accounts.vies)."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from stdnum import get_cc_module
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret
from stdnum.util import clean

EU_COUNTRIES = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())
# EU VAT numbers start with the ISO country code, except Greece's (EL).
VAT_PREFIX = {"GR": "EL"}


def normalize_country(value):
    country = (value or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise ValidationError(_("Use the two-letter country code, e.g. FR or SN."))
    return country


def normalize_vat_number(value):
    """Without spaces, dots, dashes or slashes, upper case (what invoices print)."""
    return clean(value or "", " -./").upper().strip()


def vat_number_valid(number, country):
    """Whether `number` is a well-formed VAT number of `country`, checksum included. In the EU it
    must carry the country's prefix; elsewhere python-stdnum's rule for the country applies, and
    a country it has no rule for accepts any number."""
    number = normalize_vat_number(number)
    country = (country or "").upper()
    if not number:
        return False
    if country in EU_COUNTRIES and not number.startswith(VAT_PREFIX.get(country, country)):
        return False
    module = get_cc_module(country.lower(), "vat") if len(country) == 2 and country.isalpha() else None
    return module.is_valid(number) if module else True


def check_vat_number(number, country):
    if number and not vat_number_valid(number, country):
        raise ValidationError(
            _("This is not a valid VAT number for %(country)s (check its prefix, digits and check digits).")
            % {"country": country}
        )


def normalize_siren(value):
    return clean(value or "", " -.").strip()


def check_siren(value):
    """A French SIREN (9 digits) or SIRET (14), with its Luhn check digit."""
    if value and not (fr_siren.is_valid(value) or fr_siret.is_valid(value)):
        raise ValidationError(_("This is not a valid SIREN (9 digits) or SIRET (14 digits)."))


def check_siren_given(siren, *, country, is_business):
    """A business registered in France gives its SIREN: its invoices carry it (and the French
    e-invoicing rules reach it by it)."""
    if country == "FR" and is_business and not siren:
        raise ValidationError(_("A business registered in France gives its SIREN or SIRET."))


def siren_of(value):
    """The SIREN of a SIREN or SIRET."""
    return value[:9] if value else ""


# Electronic invoicing addresses (BT-49) and their schemes (EAS): 0225, an address of the French
# directory of e-invoicing platforms (a SIREN, or the SIREN, "_" and a SIRET, routing code or
# suffix); EM, an email address, for a buyer outside that directory. The French rules (BR-FR-21,
# 23, 25) want a French business reached at an address starting with its SIREN, in letters,
# digits and + - _ . only, at most 125 characters long (the field's length).
FRENCH_DIRECTORY, EMAIL = "0225", "EM"
ROUTING_ADDRESS_MAX_LENGTH = 125
DIRECTORY_ADDRESS = re.compile(r"^(?P<siren>\d{9})(_[A-Za-z0-9+\-_.]+)?$")


def routing_scheme(address):
    """The scheme (EAS) of a routing address that passed check_routing_address."""
    return EMAIL if "@" in address else FRENCH_DIRECTORY


def check_routing_address(address, *, country, siren):
    """A routing address fits the organization: in France an address of the French directory
    starting with its SIREN, elsewhere an email address."""
    if not address:
        return
    if country != "FR":
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(_("Outside France, give the email address that receives your electronic invoices.")) from None
        return
    match = DIRECTORY_ADDRESS.match(address)
    if match is None:
        raise ValidationError(
            _(
                "Give your address in the French directory of e-invoicing platforms: your SIREN, or your SIREN "
                "followed by _ and a SIRET or routing code (letters, digits and + - _ . only)."
            )
        )
    if not siren:
        raise ValidationError(_("Give your SIREN first: the address starts with it."))
    if match["siren"] != siren_of(siren):
        raise ValidationError(_("The address starts with your SIREN, %(siren)s.") % {"siren": siren_of(siren)})
