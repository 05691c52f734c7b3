"""The back office's figures follow what billing and coupons say changed, through their handler
registries (connected in BackofficeConfig.ready): billing calls them from the services that write,
so a queryset update (a coupon's cycles counted down) is told as a save is. Billing's and coupons'
rows are never written here; only the back office's own rows and cache keys."""

from backoffice import cache, metrics
from core.tasks import after_commit


def _bump_later(*families):
    # A cache that is down must not turn a saved payment or checkout into an error page.
    after_commit("backoffice_cache_bump", lambda: cache.bump(*families))


def revenue_changed(*, organization_id, recurring):
    if not recurring:
        _bump_later(cache.INVOICES)
        return
    if organization_id is not None:
        # In the same transaction as the change, so the history never disagrees with billing.
        metrics.record_mrr(organization_ids=[organization_id])
    _bump_later(cache.SUBSCRIPTIONS)


def coupon_terms_changed():
    # The MRR of the subscriptions carrying a coupon is discounted by its terms.
    _bump_later(cache.SUBSCRIPTIONS)
