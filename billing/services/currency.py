"""The one deliberate way to change an organization's currency once it has billing history:
staff move it when nothing is in flight in the old one. Nothing is converted: past invoices,
credit notes and payments stay in their currency; what follows is priced in the new one."""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organization
from billing import selectors
from billing.models import Invoice, PendingCharge, Subscription
from core import audit
from core.errors import Conflict, ValidationFailed
from core.money import check_currency

logger = logging.getLogger("webox.billing")


def _in_flight(organization, currency):
    """What still runs in `currency`: each a reason the currency cannot move yet."""
    checks = [
        (
            Invoice.objects.filter(organization=organization, status__in=["draft", "open", "uncollectible"]).exists(),
            _("unpaid or draft invoices"),
        ),
        (Subscription.objects.filter(organization=organization, status__in=Subscription.LIVE).exists(), _("a live subscription")),
        (PendingCharge.objects.filter(organization=organization, invoice__isnull=True).exists(), _("charges not yet invoiced")),
        (selectors.balance_for(organization=organization, currency=currency) != 0, _("a customer balance")),
    ]
    return [reason for blocked, reason in checks if blocked]


@transaction.atomic
def migrate_currency(*, organization, currency, user, reason):
    """Move `organization` to `currency` (staff, with a reason; audited). Refused while unpaid
    invoices, a live subscription, pending charges or a balance remain in the old currency."""
    check_currency(currency)
    if not reason.strip():
        raise ValidationFailed(_("Say why the currency changes."), code="reason_required", fields={"reason": [_("Required.")]})
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    old = organization.currency
    if currency == old:
        raise ValidationFailed(_("The organization already uses %(currency)s.") % {"currency": currency}, code="same_currency")
    blocking = _in_flight(organization, old)
    if blocking:
        raise Conflict(
            _("Settle or end these first, in %(currency)s: %(what)s.") % {"currency": old, "what": ", ".join(blocking)},
            code="currency_in_use",
        )
    organization.currency = currency
    organization.save(update_fields=["currency", "updated_at"])
    audit.record(
        actor=user,
        action="organization_currency_migrated",
        target=organization,
        before={"currency": old},
        after={"currency": currency, "reason": reason.strip()},
    )
    logger.info("currency_migrated org=%s from=%s to=%s user=%s", organization.pk, old, currency, getattr(user, "pk", None))
    return organization
