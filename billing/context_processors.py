"""The billing banner on every page: the organization is suspended (overdue invoices, or a trial
that ended without a payment method), or has invoices overdue."""

from django.urls import reverse

from billing import dunning, selectors
from billing.models import Subscription


def billing_banner(request):
    """A few small queries for a signed-in member, none otherwise (add to TEMPLATES context_processors)."""
    organization = getattr(request, "organization", None)
    if not organization or not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    subscription = selectors.request_live_subscription(request, keep=False)
    if subscription is None or subscription.status not in (Subscription.Status.PAST_DUE, Subscription.Status.SUSPENDED):
        return {}
    if subscription.suspended_at_trial_end:
        return {"billing_banner": {"suspended": True, "trial_ended": True, "url": reverse("billing:subscription")}}
    return {
        "billing_banner": {
            "suspended": subscription.status == Subscription.Status.SUSPENDED,
            "overdue_count": dunning.blocking_invoices(organization).count(),
            "url": selectors.overdue_invoices_url(),
        }
    }


def payment_test_mode(request):
    """Every page says so when payments may be simulated (a test-mode provider is offered)."""
    return {"payment_test_mode": selectors.payments_simulated()}
