"""Organization fields history pins: once an organization has invoices or a subscription, its
currency is part of them. Billing registers the check, so accounts imports nothing from billing."""

_checks = []


def register(check):
    """`check(organization) -> bool`: whether the organization has billing history."""
    _checks.append(check)
    return check


def currency_locked(organization):
    return organization.pk is not None and any(check(organization) for check in _checks)
