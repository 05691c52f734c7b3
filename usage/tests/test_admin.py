"""Staff back office: every usage model opens, prices are editable, actions call services."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory, confirmed_totp, totp_code
from usage.models import AddonPrice, AddonType
from usage.tests.factories import ActiveAddonFactory, UsageRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    staff = UserFactory(email="agent@example.test", is_staff=True, is_superuser=True)
    device = confirmed_totp(staff)
    client.post(reverse("accounts:login"), {"username": staff.email, "password": "correct-horse-battery"})
    client.post(reverse("accounts:login_otp"), {"token": totp_code(device)})
    return client


@pytest.mark.parametrize("model", ["usagerecord", "usagealert", "usageflush", "addontype", "addonpurchase"])
def test_changelists_open(admin_client, organization, model):
    UsageRecordFactory(organization=organization)
    ActiveAddonFactory(organization=organization)
    assert admin_client.get(reverse(f"admin:usage_{model}_changelist")).status_code == 200


def test_staff_edit_an_addon_price(admin_client):
    storage = AddonType.objects.get(code="storage")
    prices = list(storage.prices.order_by("currency"))
    data = {
        "code": "storage",
        "name": "Storage",
        "description": "",
        "metric": "storage_bytes",
        "amount_per_unit": str(storage.amount_per_unit),
        "unit_label": "+10 GB",
        "allowed_plans": '["pro", "business"]',
        "period_days": "30",
        "is_active": "on",
        "position": "3",
        "prices-TOTAL_FORMS": "2",
        "prices-INITIAL_FORMS": "2",
        "prices-MIN_NUM_FORMS": "0",
        "prices-MAX_NUM_FORMS": "1000",
    }
    for i, price in enumerate(prices):
        data |= {
            f"prices-{i}-id": str(price.pk),
            f"prices-{i}-addon_type": str(storage.pk),
            f"prices-{i}-currency": price.currency,
            f"prices-{i}-unit_amount": "150" if price.currency == "EUR" else str(price.unit_amount),
        }
    response = admin_client.post(reverse("admin:usage_addontype_change", args=[storage.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AddonPrice.objects.get(addon_type=storage, currency="EUR").unit_amount == 150


def test_stop_renewal_action(admin_client, organization):
    purchase = ActiveAddonFactory(organization=organization)
    admin_client.post(
        reverse("admin:usage_addonpurchase_changelist"), {"action": "stop_renewal", "_selected_action": [purchase.pk]}
    )
    purchase.refresh_from_db()
    assert purchase.renew is False and purchase.status == "active"


def test_usage_records_cannot_be_edited(admin_client, organization):
    record = UsageRecordFactory(organization=organization, value=5)
    admin_client.post(reverse("admin:usage_usagerecord_change", args=[record.pk]), {"value": "0"})
    record.refresh_from_db()
    assert record.value == 5


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "0 add-ons renewed, 2 add-ons expired."),
        ("fr", "0 ressource additionnelle renouvelée, 2 ressources additionnelles expirées."),  # French: 0 is singular
    ],
)
def test_ending_due_periods_counts_each_outcome_in_the_staff_language(admin_client, organization, language, said):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    ended = timezone.now() - timedelta(days=1)
    due = [ActiveAddonFactory(organization=organization, renew=False, expires_at=ended) for _ in range(2)]
    answer = admin_client.post(
        reverse("admin:usage_addonpurchase_changelist"),
        {"action": "end_due_periods", "_selected_action": [due[0].pk]},
        follow=True,
    )
    assert said in answer.content.decode()
