"""Organizations that require two-factor authentication: the owners' setting (page and API), and a
member without a confirmed device sent to enrol before anything else there (pages) or refused with
`two_factor_enrolment_required` (API)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Membership
from accounts.tests.factories import MembershipFactory, OrganizationFactory, confirmed_totp
from core.models import AuditEntry

pytestmark = pytest.mark.django_db

SETTINGS = {"name": "Studio", "country": "FR", "is_business": "on", "siren": "732829320", "currency": "EUR",
            "locale": "en", "time_zone": "Europe/Paris"}  # fmt: skip


@pytest.fixture
def strict(organization):
    organization.require_two_factor = True
    organization.save(update_fields=["require_two_factor"])
    return organization


def in_role(organization, role, email):
    return MembershipFactory(organization=organization, role=role, user__email=email).user


def bearer(user, organization=None):
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    if organization is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}",
                        HTTP_X_ORGANIZATION=organization.slug)  # fmt: skip
    return api


def test_an_owner_with_two_factor_requires_it_on_the_page_and_it_is_audited(client, organization, user):
    confirmed_totp(user)
    client.force_login(user)
    response = client.post(reverse("accounts:organization_settings"), {**SETTINGS, "require_two_factor": "on"})
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.require_two_factor is True
    entry = AuditEntry.objects.get(action="organization_two_factor_required")
    assert (entry.actor, entry.before, entry.after) == (user, {"require_two_factor": False}, {"require_two_factor": True})


def test_an_owner_without_two_factor_is_told_to_turn_it_on_first(client, organization, user):
    client.force_login(user)
    response = client.post(reverse("accounts:organization_settings"), {**SETTINGS, "require_two_factor": "on"})
    assert response.status_code == 200
    assert "Turn on two-factor authentication for your own account first." in response.content.decode()
    organization.refresh_from_db()
    assert organization.require_two_factor is False


def test_an_admin_does_not_see_the_setting_and_the_api_refuses_it(client, organization):
    admin = in_role(organization, Membership.Role.ADMIN, "admin@example.test")
    confirmed_totp(admin)
    client.force_login(admin)
    assert "require_two_factor" not in client.get(reverse("accounts:organization_settings")).context["form"].fields
    refused = bearer(admin).patch(f"/api/v1/organizations/{organization.pk}/", {"require_two_factor": True}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "owner_only_field"
    organization.refresh_from_db()
    assert organization.require_two_factor is False


def test_the_owner_sets_it_through_the_api(organization, user):
    api = bearer(user)
    refused = api.patch(f"/api/v1/organizations/{organization.pk}/", {"require_two_factor": True}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "two_factor_required_first"
    confirmed_totp(user)
    done = api.patch(f"/api/v1/organizations/{organization.pk}/", {"require_two_factor": True}, format="json")
    assert done.status_code == 200 and done.json()["require_two_factor"] is True


def test_a_member_without_a_device_enrols_before_anything_else_then_goes_on(client, strict):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.tests.factories import totp_code

    member = in_role(strict, Membership.Role.MEMBER, "member@example.test")
    client.force_login(member)
    for page in ("/billing/", reverse("accounts:dashboard"), reverse("support:ticket_list"), reverse("accounts:profile")):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:two_factor_setup")), page
    assert client.get(reverse("accounts:two_factor_setup")).status_code == 200
    device = TOTPDevice.objects.get(user=member, confirmed=False)
    enrolled = client.post(f"{reverse('accounts:two_factor_setup')}?next=/billing/", {"token": totp_code(device)})
    assert enrolled.status_code == 200 and "/billing/" in enrolled.content.decode()
    assert client.get("/billing/").status_code == 200


def test_the_rule_is_the_organizations_own(client, strict):
    """The same member works in another organization that does not require it, and may switch to it."""
    member = in_role(strict, Membership.Role.MEMBER, "member@example.test")
    relaxed = OrganizationFactory()
    MembershipFactory(organization=relaxed, user=member, role=Membership.Role.MEMBER)
    client.force_login(member)
    assert client.get("/billing/").status_code == 302
    assert client.post(reverse("accounts:switch_organization"), {"organization": relaxed.pk}).status_code == 302
    assert client.get("/billing/").status_code == 200


def test_the_api_answers_a_clear_403_until_the_member_enrols(strict):
    member = in_role(strict, Membership.Role.MEMBER, "member@example.test")
    refused = bearer(member).get("/api/v1/billing/invoices/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "two_factor_enrolment_required"
    assert strict.name in refused.json()["error"]["message"]
    relaxed = OrganizationFactory()
    MembershipFactory(organization=relaxed, user=member, role=Membership.Role.MEMBER)
    assert bearer(member, relaxed).get("/api/v1/billing/invoices/").status_code == 200
    confirmed_totp(member)
    assert bearer(member).get("/api/v1/billing/invoices/").status_code == 200
