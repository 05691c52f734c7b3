"""Tax identities as the tax decision uses them: a VAT number counts when python-stdnum accepts
it for the buyer's country (accounts.validators) and VIES did not refuse it (accounts.vies)."""

from accounts.validators import EU_COUNTRIES, normalize_vat_number, vat_number_valid

__all__ = ["EU_COUNTRIES", "usable_vat_number"]


def usable_vat_number(organization):
    """The organization's VAT number if it may be relied on, else ""."""
    number = organization.vat_number
    if organization.vat_check_status == "invalid" or not vat_number_valid(number, organization.country):
        return ""
    return normalize_vat_number(number)
