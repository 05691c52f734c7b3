"""Normalizers for organization fields, shared by the settings page and the API."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalize_country(value):
    country = (value or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise ValidationError(_("Use the two-letter country code, e.g. FR or SN."))
    return country


def normalize_vat_number(value):
    return "".join((value or "").split()).upper()
