"""Staff actions on money or access in billing's admin are written to the audit log."""

import pytest
from django.urls import reverse

from billing import services
from billing.models import Invoice, Subscription
from billing.tests.factories import PlanFactory
from core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _subscription(organization):
    return services.subscribe(organization=organization, plan=PlanFactory())


def test_suspend_and_reactivate_are_audited_with_what_changed(admin_client, organization):
    subscription = _subscription(organization)
    url = reverse("admin:billing_subscription_changelist")
    admin_client.post(url, {"action": "suspend", "_selected_action": [subscription.pk]})
    admin_client.post(url, {"action": "reactivate", "_selected_action": [subscription.pk]})
    suspended, reactivated = AuditEntry.objects.order_by("pk")
    assert (suspended.action, suspended.actor_email) == ("subscription_suspended", "admin@example.test")
    assert suspended.before["status"] == "active" and suspended.after["status"] == "suspended"
    assert reactivated.after["status"] == "active"
    assert suspended.organization_id == organization.pk
    assert Subscription.objects.get(pk=subscription.pk).status == "active"


def test_voiding_an_invoice_is_audited_and_a_refused_action_is_not(admin_client, organization):
    invoice = services.create_invoice(
        organization=organization,
        lines=[services.LineSpec(description="Consulting", quantity=1, unit_amount=1000, french_rate="20")],
        source_type="manual",
        source_id=0,
    )
    url = reverse("admin:billing_invoice_changelist")
    asked = admin_client.post(url, {"action": "void", "_selected_action": [invoice.pk]})
    assert "Void these invoices?" in asked.content.decode() and 'name="confirmed" value="yes"' in asked.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).status == "open"  # nothing happens before the confirmation
    admin_client.post(url, {"action": "void", "_selected_action": [invoice.pk], "confirmed": "yes"})
    entry = AuditEntry.objects.get(action="invoice_voided")
    assert entry.before["status"] == "open" and entry.after["status"] == "void"
    admin_client.post(url, {"action": "void", "_selected_action": [invoice.pk], "confirmed": "yes"})  # already void: refused
    assert AuditEntry.objects.filter(action="invoice_voided").count() == 1
    assert Invoice.objects.get(pk=invoice.pk).status == "void"


def test_staff_cannot_set_a_subscriptions_plan_coupon_or_cycles_nor_delete_it(admin_client, organization):
    subscription = _subscription(organization)
    cheaper = PlanFactory(code="cheaper", prices={"EUR": 100})
    url = reverse("admin:billing_subscription_change", args=[subscription.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="coupon_code"' not in page and 'name="scheduled_plan"' not in page and 'name="plan"' not in page
    admin_client.post(url, {"coupon_code": "FREE100", "coupon_cycles_remaining": "99", "scheduled_plan": cheaper.pk})
    subscription.refresh_from_db()
    assert (subscription.coupon_code, subscription.coupon_cycles_remaining, subscription.scheduled_plan) == ("", None, None)
    delete = reverse("admin:billing_subscription_delete", args=[subscription.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:billing_subscription_changelist")
    admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [subscription.pk], "post": "yes"})
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_staff_undo_a_scheduled_downgrade_through_the_service(admin_client, organization):
    subscription = services.subscribe(organization=organization, plan=PlanFactory(code="dear", prices={"EUR": 4900}))
    services.change_plan(subscription=subscription, plan=PlanFactory(code="cheap", prices={"EUR": 900}))
    changelist = reverse("admin:billing_subscription_changelist")
    admin_client.post(changelist, {"action": "undo_plan_change", "_selected_action": [subscription.pk]})
    assert Subscription.objects.get(pk=subscription.pk).scheduled_plan is None
    entry = AuditEntry.objects.get(action="subscription_plan_change_undone")
    assert entry.before["scheduled_plan_id"] and entry.after["scheduled_plan_id"] is None


@pytest.mark.parametrize(
    ("language", "suspended", "reactivated"),
    [
        ("en", "1 subscription suspended.", "1 subscription reactivated."),
        ("fr", "1 abonnement suspendu.", "1 abonnement réactivé."),
    ],
)
def test_the_actions_count_what_they_did_in_the_staff_language(admin_client, organization, language, suspended, reactivated):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    subscription = _subscription(organization)
    url = reverse("admin:billing_subscription_changelist")
    selected = {"_selected_action": [subscription.pk]}
    assert suspended in admin_client.post(url, {"action": "suspend", **selected}, follow=True).content.decode()
    assert reactivated in admin_client.post(url, {"action": "reactivate", **selected}, follow=True).content.decode()
