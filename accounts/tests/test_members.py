import re

import httpx
import pytest
import respx
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation, Membership, Organization
from accounts.tests.factories import MembershipFactory
from notifications.models import EmailLog

SETTINGS = {
    "name": "Alice Studio 2",
    "legal_name": "Alice Studio SARL",
    "address_line1": "8 rue des Lilas",
    "address_line2": "",
    "postal_code": "69001",
    "city": "Lyon",
    "country": "fr",
    "vat_number": "FR 40 303265045",
    "billing_email": "billing@alice.test",
    "currency": "XOF",
    "locale": "fr",
    "time_zone": "Africa/Dakar",
}


def member_of(organization, role, email):
    return MembershipFactory(organization=organization, role=role, user__email=email)


@pytest.mark.django_db
@respx.mock
def test_owner_edits_organization_settings(client_user, organization):
    respx.post(settings.VIES_URL).mock(return_value=httpx.Response(200, json={"valid": True, "requestIdentifier": "W1"}))
    response = client_user.post(reverse("accounts:organization_settings"), SETTINGS)
    assert response.status_code == 302
    organization.refresh_from_db()
    assert (organization.name, organization.country, organization.vat_number) == ("Alice Studio 2", "FR", "FR40303265045")
    assert (organization.currency, organization.time_zone, organization.payment_terms_days) == ("XOF", "Africa/Dakar", 14)


@pytest.mark.django_db
def test_bad_settings_change_nothing(client_user, organization):
    response = client_user.post(reverse("accounts:organization_settings"), {**SETTINGS, "country": "F1", "currency": "USD"})
    assert response.status_code == 200 and "two-letter" in response.content.decode()
    organization.refresh_from_db()
    assert (organization.name, organization.currency) == ("Alice Studio", "EUR")


@pytest.mark.django_db
def test_a_member_cannot_edit_settings_or_invite(client, user, organization):
    member = member_of(organization, "member", "m@example.test").user
    client.force_login(member)
    assert client.get(reverse("accounts:organization_settings")).status_code == 403
    assert client.post(reverse("accounts:organization_settings"), SETTINGS).status_code == 403
    client.post(reverse("accounts:member_invite"), {"email": "x@example.test", "role": "member"})
    assert not Invitation.objects.exists()
    organization.refresh_from_db()
    assert organization.name == "Alice Studio"
    page = client.get(reverse("accounts:members")).content.decode()
    assert "alice@example.test" in page and "Invite someone" not in page


@pytest.mark.django_db
def test_an_admin_can_edit_settings(client, organization):
    client.force_login(member_of(organization, "admin", "a@example.test").user)
    assert client.post(reverse("accounts:organization_settings"), SETTINGS).status_code == 302
    assert Organization.objects.get(pk=organization.pk).name == "Alice Studio 2"


def invite(client, run_on_commit, email, role="member"):
    with run_on_commit(execute=True):
        client.post(reverse("accounts:member_invite"), {"email": email, "role": role})
    log = EmailLog.objects.filter(kind="invitation", recipient=email.lower()).latest("pk")
    return re.search(r"http://localhost:8000(\S+)", log.body_text).group(1)


@pytest.mark.django_db
def test_invited_newcomer_signs_up_then_joins(client_user, organization, run_on_commit):
    link = invite(client_user, run_on_commit, "New.Person@example.test", role="admin")
    client = Client()
    response = client.get(link)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:signup"))
    signup_page = client.get(response.url)
    form = signup_page.context["form"]
    assert form.fields["email"].initial == "new.person@example.test" and form.fields["email"].disabled
    # Joining someone's organization: no workspace of one's own to name or price.
    assert "organization_name" not in form.fields and "currency" not in form.fields
    assert 'name="organization_name"' not in signup_page.content.decode()
    with run_on_commit(execute=True):
        # A changed address in the posted form is ignored: the invitation's is used.
        response = client.post(
            response.url, {"email": "someone.else@example.test", "password": "a-long-secret-9", "locale": "en"}
        )
    assert response.url == reverse("accounts:dashboard")
    membership = Membership.objects.get(user__email="new.person@example.test", organization=organization)
    assert membership.role == "admin"
    assert membership.user.is_verified_email
    assert list(membership.user.organizations.all()) == [organization]  # no personal workspace on the side
    assert client.get(reverse("accounts:dashboard")).context["current_organization"] == organization
    # The link is spent.
    assert client.get(link).status_code == 400


@pytest.mark.django_db
def test_invited_existing_user_logs_in_then_accepts(client_user, organization, other_user, run_on_commit):
    link = invite(client_user, run_on_commit, other_user.email)
    client = Client()
    response = client.get(link)
    assert response.url.startswith(reverse("accounts:login"))
    response = client.post(response.url, {"username": other_user.email, "password": "correct-horse-battery"})
    assert response.url == link
    assert client.get(link).status_code == 200
    client.post(link)
    assert Membership.objects.filter(user=other_user, organization=organization, role="member").exists()


@pytest.mark.django_db
def test_an_invitation_is_for_its_address_only(client_user, organization, other_user, run_on_commit):
    link = invite(client_user, run_on_commit, "someone.else@example.test")
    client = Client()
    client.force_login(other_user)
    client.post(link)
    assert not Membership.objects.filter(user=other_user, organization=organization).exists()


@pytest.mark.django_db
def test_second_pending_invitation_refused_and_revocable(client_user, organization, run_on_commit):
    invite(client_user, run_on_commit, "twice@example.test")
    response = client_user.post(reverse("accounts:member_invite"), {"email": "twice@example.test", "role": "member"}, follow=True)
    assert "already has a pending invitation" in response.content.decode()
    invitation = Invitation.objects.get()
    client_user.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_owner_changes_roles_and_removes_members(client_user, organization):
    member = member_of(organization, "member", "m@example.test")
    client_user.post(reverse("accounts:member_role", args=[member.pk]), {"role": "admin"})
    member.refresh_from_db()
    assert member.role == "admin"
    client_user.post(reverse("accounts:member_remove", args=[member.pk]))
    assert not Membership.objects.filter(pk=member.pk).exists()
    member.user.refresh_from_db()
    assert member.user.default_organization is None


@pytest.mark.django_db
def test_the_last_owner_cannot_be_removed_or_demoted(client_user, user, organization):
    me = Membership.objects.get(user=user, organization=organization)
    response = client_user.post(reverse("accounts:member_remove", args=[me.pk]), follow=True)
    assert "at least one owner" in response.content.decode()
    client_user.post(reverse("accounts:member_role", args=[me.pk]), {"role": "member"})
    assert Membership.objects.get(pk=me.pk).role == "owner"
    # With a second owner, the first may step down.
    member_of(organization, "owner", "co@example.test")
    client_user.post(reverse("accounts:member_role", args=[me.pk]), {"role": "admin"})
    assert Membership.objects.get(pk=me.pk).role == "admin"


@pytest.mark.django_db
def test_an_admin_cannot_touch_owners(client, user, organization):
    admin = member_of(organization, "admin", "a@example.test")
    owner = Membership.objects.get(user=user)
    client.force_login(admin.user)
    client.post(reverse("accounts:member_remove", args=[owner.pk]))
    client.post(reverse("accounts:member_role", args=[owner.pk]), {"role": "member"})
    client.post(reverse("accounts:member_role", args=[admin.pk]), {"role": "owner"})
    assert Membership.objects.get(pk=owner.pk).role == "owner"
    assert Membership.objects.get(pk=admin.pk).role == "admin"


@pytest.mark.django_db
def test_another_organizations_member_cannot_be_touched(client_user, other_user, other_organization):
    theirs = Membership.objects.get(user=other_user, organization=other_organization)
    assert client_user.post(reverse("accounts:member_remove", args=[theirs.pk])).status_code == 404
    assert client_user.post(reverse("accounts:member_role", args=[theirs.pk]), {"role": "member"}).status_code == 404
    assert Membership.objects.get(pk=theirs.pk).role == "owner"
    invitation = Invitation.objects.create(organization=other_organization, email="x@example.test", invited_by=other_user)
    assert client_user.post(reverse("accounts:invitation_revoke", args=[invitation.pk])).status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()


@pytest.mark.django_db
def test_members_page_query_count_does_not_grow(client_user, organization, django_assert_max_num_queries):
    for n in range(30):
        member_of(organization, "member", f"m{n}@example.test")
    with django_assert_max_num_queries(8):
        response = client_user.get(reverse("accounts:members"))
    assert response.status_code == 200 and len(response.context["page_obj"]) == 25


@pytest.mark.django_db
def test_switching_organization(client_user, user, other_organization):
    MembershipFactory(user=user, organization=other_organization, role="member")
    client_user.post(reverse("accounts:switch_organization"), {"organization": other_organization.pk})
    assert client_user.get(reverse("accounts:dashboard")).context["current_organization"] == other_organization
    stranger = Organization.objects.create(name="Stranger", slug="stranger")
    response = client_user.post(reverse("accounts:switch_organization"), {"organization": stranger.pk}, follow=True)
    assert "pas membre" in response.content.decode()  # the organization in use speaks French
