import pytest

from accounts import demo as accounts_demo
from billing import demo as billing_demo
from usage import demo, selectors
from usage.models import AddonPurchase, Metric, UsageRecord


@pytest.mark.django_db
def test_demo_is_idempotent_and_gives_alice_a_paid_storage_addon(monkeypatch):
    monkeypatch.undo()  # billing's real plans: Alice is on Pro
    accounts_demo.seed(log=lambda *a: None)
    billing_demo.seed(log=lambda *a: None)
    demo.seed(log=lambda *a: None)
    demo.seed(log=lambda *a: None)
    purchase = AddonPurchase.objects.get()
    assert (purchase.organization.slug, purchase.status) == ("alice-studio", "active")
    assert UsageRecord.objects.filter(organization=purchase.organization, metric=Metric.TRAFFIC_BYTES).count() == 12
    alice_storage = selectors.limit_for(organization=purchase.organization, metric=Metric.STORAGE_BYTES)
    assert alice_storage == selectors.plan_limits(organization=purchase.organization)["storage_bytes"] + 10 * 1024**3
