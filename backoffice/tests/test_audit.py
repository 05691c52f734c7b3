"""Every staff action on money or access that the back office's admin pages offer leaves an audit
entry: who, what, on which row, and the values before and after."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.tests.factories import OrganizationFactory, UserFactory
from billing import payments
from core.models import AuditEntry
from coupons.tests.factories import CouponFactory
from generation.tests.factories import GenerationJobFactory
from usage.tests.factories import ActiveAddonFactory

pytestmark = pytest.mark.django_db


def paid_payment(invoice):
    payment, _ = payments.pay_invoice(
        organization=invoice.organization, invoice=invoice, provider="sandbox", details={"card_number": "4242424242424242"}
    )
    return payment


def last_entry(action):
    return AuditEntry.objects.filter(action=action).latest("id")


def run_action(client, changelist, action, objects):
    return client.post(changelist, {"action": action, "_selected_action": [o.pk for o in objects]}, follow=True)


def test_role_change_is_audited(admin_client, admin_user):
    agent = UserFactory(email="new-agent@example.test", is_staff=True)
    finance = Group.objects.get(name="Finance")
    url = reverse("admin:accounts_user_change", args=[agent.pk])
    form = {
        "email": agent.email,
        "first_name": agent.first_name,
        "last_name": agent.last_name,
        "locale": agent.locale or "en",
        "is_active": "on",
        "is_staff": "on",
        "groups": [finance.pk],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    entry = last_entry("access_changed")
    assert (entry.actor, entry.target_id, entry.actor_email) == (admin_user, str(agent.pk), admin_user.email)
    assert entry.before == {"groups": []} and entry.after == {"groups": ["Finance"]}


def test_two_factor_reset_is_audited(admin_client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = UserFactory(email="lost-phone@example.test")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    run_action(admin_client, reverse("admin:accounts_user_changelist"), "reset_two_factor", [user])
    entry = last_entry("two_factor_reset")
    assert entry.target_id == str(user.pk) and entry.after == {"two_factor": False}


def test_organization_deactivate_and_reactivate_are_audited(admin_client):
    organization = OrganizationFactory()
    changelist = reverse("admin:accounts_organization_changelist")
    run_action(admin_client, changelist, "deactivate", [organization])
    organization.refresh_from_db()
    assert not organization.is_active
    assert last_entry("organization_deactivated").before == {"is_active": True}
    run_action(admin_client, changelist, "reactivate", [organization])
    entry = last_entry("organization_reactivated")
    assert entry.organization == organization and entry.after == {"is_active": True}


def test_coupon_deactivation_is_audited(admin_client):
    coupon = CouponFactory(code="SPRING")
    run_action(admin_client, reverse("admin:coupons_coupon_changelist"), "deactivate", [coupon])
    coupon.refresh_from_db()
    assert not coupon.is_active
    entry = last_entry("coupon_deactivated")
    assert entry.target_repr.startswith("SPRING") or entry.target_id == str(coupon.pk)
    assert (entry.before, entry.after) == ({"is_active": True}, {"is_active": False})


def test_credit_adjustment_is_audited(admin_client):
    from generation.selectors import credit_balance

    organization = OrganizationFactory()
    response = admin_client.post(
        reverse("admin:generation_creditentry_add"), {"organization": organization.pk, "amount": 40, "note": "goodwill"}
    )
    assert response.status_code == 302
    assert credit_balance(organization=organization) == 40
    entry = last_entry("credits_adjusted")
    assert entry.organization == organization
    assert (entry.before, entry.after) == ({"balance": 0}, {"balance": 40, "amount": 40})


def test_job_cancel_refund_is_audited(admin_client):
    job = GenerationJobFactory(status="queued")
    run_action(admin_client, reverse("admin:generation_generationjob_changelist"), "cancel_jobs", [job])
    entry = last_entry("generation_job_canceled")
    assert entry.target_id == str(job.pk) and entry.after["status"] == "canceled"


def test_addon_renewal_stop_is_audited(admin_client):
    purchase = ActiveAddonFactory()
    run_action(admin_client, reverse("admin:usage_addonpurchase_changelist"), "stop_renewal", [purchase])
    entry = last_entry("addon_renewal_stopped")
    assert (entry.before["renew"], entry.after["renew"]) == (True, False)


def test_the_audit_log_cannot_be_edited(admin_client):
    CouponFactory(code="X1")
    entry = AuditEntry.objects.create(action="test", actor_email="x@example.test")
    assert admin_client.get(reverse("admin:core_auditentry_changelist")).status_code == 200
    assert admin_client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_audit_record_without_actor_is_system(db):
    from core import audit

    organization = OrganizationFactory()
    entry = audit.record(actor=None, action="nightly", target=organization, before={"a": 1}, after={"a": 2})
    assert entry.actor_email == "" and entry.organization == organization


def test_coupon_terms_change_is_audited(admin_user, rf):
    from decimal import Decimal

    from django.contrib import admin

    from coupons.models import Coupon

    coupon = CouponFactory(code="AUTUMN", percent_off=Decimal("10.00"))
    request = rf.post("/admin/coupons/coupon/")
    request.user = admin_user
    edited = Coupon.objects.get(pk=coupon.pk)
    edited.percent_off, edited.max_uses = Decimal("50.00"), 100
    admin.site._registry[Coupon].save_model(request, edited, form=None, change=True)
    entry = last_entry("coupon_changed")
    assert entry.before == {"percent_off": "10.00", "max_uses": 0}
    assert entry.after == {"percent_off": "50.00", "max_uses": 100}


def test_finance_refund_goes_through(client, run_on_commit):
    from backoffice.tests.factories import login_with_2fa, staff_in
    from billing import services
    from billing.models import Payment
    from billing.tests.factories import invoice

    inv = invoice(OrganizationFactory(), [services.LineSpec("Pack", 1, 10000, 20)])
    with run_on_commit(execute=True):
        payment = paid_payment(inv)
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"
    login_with_2fa(client, staff_in("Finance"))
    response = client.post(reverse("admin:billing_payment_refund", args=[payment.pk]), {"amount": "30.00", "reason": "Goodwill"})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("partially_refunded", 3000)


def _post_data(response):
    """The change form as the browser would send it back unchanged (main form and inlines)."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for form in formset.initial_forms:
            add(form)
    return data


def test_membership_role_change_is_audited(admin_client):
    from accounts.tests.factories import MembershipFactory

    member = MembershipFactory(role="member")
    url = reverse("admin:accounts_organization_change", args=[member.organization_id])
    data = _post_data(admin_client.get(url))
    role_field = next(key for key, value in data.items() if key.endswith("-role") and value == "member")
    data[role_field] = "admin"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    entry = last_entry("role_changed")
    assert entry.organization == member.organization
    assert (entry.before["role"], entry.after["role"]) == ("member", "admin")
