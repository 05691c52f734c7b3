"""The billing banner on every page: the organization is suspended, or has invoices overdue."""

from billing import dunning, selectors
from billing.models import Subscription


def billing_banner(request):
    """A few small queries for a signed-in member, none otherwise (add to TEMPLATES context_processors)."""
    organization = getattr(request, "organization", None)
    if not organization or not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    subscription = selectors.live_subscription(organization=organization)
    if subscription is None or subscription.status not in (Subscription.Status.PAST_DUE, Subscription.Status.SUSPENDED):
        return {}
    return {
        "billing_banner": {
            "suspended": subscription.status == Subscription.Status.SUSPENDED,
            "overdue_count": dunning.blocking_invoices(organization).count(),
            "url": selectors.overdue_invoices_url(),
        }
    }
