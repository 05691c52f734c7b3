"""Charges for the next subscription invoice (an add-on's renewal): added once per (source, key),
picked up by the renewal or by the final invoice of a subscription that ends."""

import logging

from django.utils.translation import gettext as _

from billing import handlers, pricing
from billing.models import PendingCharge
from core.errors import ValidationFailed

logger = logging.getLogger("webox.billing")


def add_pending_charge(*, organization, line, source_type, source_id, key):
    """Put `line` (a LineSpec; VAT is the one in force when it is billed) on the organization's
    next subscription invoice. Adding the same (source, key) again returns the charge already
    there. Returns (charge, created)."""
    handlers.check_source_type(source_type)
    pricing.check_line(line)
    if line.unit_amount < 0 or line.discount_amount:
        raise ValidationFailed(_("A pending charge is a plain, positive amount."), code="invalid_line")
    charge, created = PendingCharge.objects.get_or_create(
        source_type=source_type,
        source_id=str(source_id),
        key=key,
        defaults={
            "organization": organization,
            "currency": organization.currency,
            "description": line.description,
            "quantity": line.quantity,
            "unit_amount": line.unit_amount,
            "product_ref": line.product_ref,
        },
    )
    if created:
        logger.info("pending_charge org=%s source=%s:%s key=%s", organization.pk, source_type, source_id, key)
    return charge, created


def pending_charges(subscription):
    return list(
        PendingCharge.objects.select_for_update().filter(
            organization=subscription.organization_id, currency=subscription.currency, invoice__isnull=True
        )
    )
