"""Fields customers may not change: the currency once invoices or a subscription pin it (409
currency_locked; staff migrate it deliberately), and payment terms (staff only, at most 60 days)."""

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from accounts.models import Organization
from billing import services
from billing.tests.factories import PlanFactory, invoice, line
from core.errors import Conflict
from core.models import AuditEntry

pytestmark = pytest.mark.django_db


def url(organization):
    return f"/api/v1/organizations/{organization.pk}/"


def test_a_currency_without_history_may_change(auth_api, organization):
    response = auth_api.patch(url(organization), {"currency": "XOF"}, format="json")
    assert response.status_code == 200
    organization.refresh_from_db()
    assert organization.currency == "XOF"


def test_an_invoice_locks_the_currency_in_the_api(auth_api, organization):
    invoice(organization, [line()])
    response = auth_api.patch(url(organization), {"currency": "XOF", "name": "Renamed"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "currency_locked"
    assert "currency" in response.json()["error"]["fields"]
    organization.refresh_from_db()
    assert (organization.currency, organization.name) == ("EUR", "Alice Studio")
    # The same currency again is no change.
    assert auth_api.patch(url(organization), {"currency": "EUR", "name": "Renamed"}, format="json").status_code == 200


def test_a_subscription_locks_the_currency_on_the_page(client_user, organization):
    services.subscribe(organization=organization, plan=PlanFactory(), trial=True)
    form = {"name": "Alice Studio", "country": "FR", "currency": "XOF", "locale": "en", "time_zone": "Europe/Paris"}
    response = client_user.post(reverse("accounts:organization_settings"), form)
    assert response.status_code == 200
    assert "contact us to migrate it" in response.content.decode()
    organization.refresh_from_db()
    assert organization.currency == "EUR"


def test_the_admin_shows_a_locked_currency_read_only(admin_client, organization):
    change = reverse("admin:accounts_organization_change", args=[organization.pk])
    assert 'name="currency"' in admin_client.get(change).content.decode()
    invoice(organization, [line()])
    assert 'name="currency"' not in admin_client.get(change).content.decode()


def test_customers_cannot_set_payment_terms(auth_api, client_user, organization):
    response = auth_api.patch(url(organization), {"payment_terms_days": 90}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "staff_only_field"
    assert auth_api.patch(url(organization), {"payment_terms_days": 14, "name": "Same terms"}, format="json").status_code == 200
    assert 'name="payment_terms_days"' not in client_user.get(reverse("accounts:organization_settings")).content.decode()
    organization.refresh_from_db()
    assert organization.payment_terms_days == 14


def test_staff_terms_are_capped_at_60_days(admin_client, organization):
    change = reverse("admin:accounts_organization_change", args=[organization.pk])
    form = {
        "name": organization.name, "slug": organization.slug, "country": "FR", "currency": "EUR", "locale": "en",
        "time_zone": "Europe/Paris", "is_business": "on", "is_active": "on", "payment_terms_days": "61",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = admin_client.post(change, form)
    assert response.status_code == 200 and "60" in response.content.decode()
    assert admin_client.post(change, {**form, "payment_terms_days": "60"}).status_code == 302
    organization.refresh_from_db()
    assert organization.payment_terms_days == 60
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=organization.pk).update(payment_terms_days=90)


def test_staff_migrate_a_currency_deliberately_and_nothing_is_converted(organization, staff_user):
    paid = invoice(organization, [line(unit_amount=2280)])
    pending = invoice(organization, [line()])
    with pytest.raises(CommandError, match="unpaid or draft invoices"), translation.override("en"):
        call_command("migrate_currency", organization.slug, "XOF", staff=staff_user.email, reason="Moved to Dakar")
    services.mark_invoice_paid(invoice=paid, amount=paid.amount_due, reference="t-1")
    services.mark_invoice_paid(invoice=pending, amount=pending.amount_due, reference="t-2")
    call_command("migrate_currency", organization.slug, "XOF", staff=staff_user.email, reason="Moved to Dakar")
    organization.refresh_from_db()
    paid.refresh_from_db()
    assert organization.currency == "XOF"
    assert (paid.currency, paid.total) == ("EUR", 2736)
    assert invoice(organization, [line(unit_amount=15000)]).currency == "XOF"
    entry = AuditEntry.objects.get(action="organization_currency_migrated")
    assert (entry.before, entry.after) == ({"currency": "EUR"}, {"currency": "XOF", "reason": "Moved to Dakar"})


def test_a_subscription_is_never_invoiced_in_another_currency(organization):
    subscription = services.subscribe(organization=organization, plan=PlanFactory(), trial=True)
    Organization.objects.filter(pk=organization.pk).update(currency="XOF")  # past every guard
    organization.refresh_from_db()
    with pytest.raises(Conflict) as error:
        services.create_invoice(
            organization=organization, lines=[line()], source_type="subscription", source_id=subscription.pk,
            subscription=subscription,
        )  # fmt: skip
    assert error.value.code == "currency_mismatch"
