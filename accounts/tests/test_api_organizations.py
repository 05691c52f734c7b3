import pytest

from accounts.models import Invitation, Membership
from accounts.tests.factories import MembershipFactory
from notifications.models import EmailLog


@pytest.mark.django_db
def test_me_shows_user_memberships_and_current_organization(auth_api, user, organization, other_organization):
    MembershipFactory(user=user, organization=other_organization, role="member")
    body = auth_api.get("/api/v1/me/").json()
    assert body["email"] == user.email and body["two_factor_enabled"] is False
    assert {(m["organization_id"], m["role"]) for m in body["memberships"]} == {
        (organization.pk, "owner"),
        (other_organization.pk, "member"),
    }
    assert body["current_organization"]["id"] == organization.pk
    # The X-Organization header picks another of the user's organizations.
    body = auth_api.get("/api/v1/me/", HTTP_X_ORGANIZATION=other_organization.slug).json()
    assert body["current_organization"]["currency"] == "XOF"


@pytest.mark.django_db
def test_me_patch_changes_name_and_language_only(auth_api, user):
    response = auth_api.patch("/api/v1/me/", {"first_name": "Alicia", "locale": "fr", "email": "evil@example.test"})
    assert response.status_code == 200 and response.json()["first_name"] == "Alicia"
    user.refresh_from_db()
    assert (user.first_name, user.locale, user.email) == ("Alicia", "fr", "alice@example.test")
    response = auth_api.patch("/api/v1/me/", {"locale": "de"})
    assert response.status_code == 400 and "locale" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_me_needs_authentication(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.django_db
def test_organizations_lists_only_the_users(auth_api, user, organization, other_organization, django_assert_max_num_queries):
    for n in range(5):
        MembershipFactory(user=user, organization__name=f"Side project {n}", role="member")
    with django_assert_max_num_queries(4):
        body = auth_api.get("/api/v1/organizations/").json()
    assert body["count"] == 6 and other_organization.pk not in {org["id"] for org in body["results"]}


@pytest.mark.django_db
def test_another_organization_is_a_404_everywhere(auth_api, other_organization, other_user):
    base = f"/api/v1/organizations/{other_organization.pk}/"
    assert auth_api.get(base).status_code == 404
    response = auth_api.patch(base, {"name": "Hijacked"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert auth_api.get(base + "members/").status_code == 404
    assert auth_api.post(base + "invitations/", {"email": "spy@example.test"}).status_code == 404
    other_organization.refresh_from_db()
    assert other_organization.name == "Bob Corp" and not Invitation.objects.exists()


@pytest.mark.django_db
def test_owner_patches_the_organization(auth_api, organization):
    response = auth_api.patch(
        f"/api/v1/organizations/{organization.pk}/", {"legal_name": "Alice SARL", "country": "sn", "vat_number": "0123456 2G3"}
    )
    assert response.status_code == 200
    organization.refresh_from_db()
    assert (organization.legal_name, organization.country, organization.vat_number) == ("Alice SARL", "SN", "01234562G3")
    response = auth_api.patch(f"/api/v1/organizations/{organization.pk}/", {"currency": "USD", "name": "X"})
    assert response.status_code == 400 and "currency" in response.json()["error"]["fields"]
    organization.refresh_from_db()
    assert organization.name == "Alice Studio"


@pytest.mark.django_db
def test_a_member_can_read_but_not_patch_or_invite(api_client, organization):
    member = MembershipFactory(organization=organization, role="member").user
    api_client.force_authenticate(member)
    assert api_client.get(f"/api/v1/organizations/{organization.pk}/").status_code == 200
    response = api_client.patch(f"/api/v1/organizations/{organization.pk}/", {"name": "Mine now"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    response = api_client.post(f"/api/v1/organizations/{organization.pk}/invitations/", {"email": "friend@example.test"})
    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.name == "Alice Studio" and not Invitation.objects.exists()


@pytest.mark.django_db
def test_members_list_is_paginated_with_a_fixed_number_of_queries(auth_api, organization, django_assert_max_num_queries):
    for _ in range(25):
        MembershipFactory(organization=organization, role="member")
    with django_assert_max_num_queries(8):
        body = auth_api.get(f"/api/v1/organizations/{organization.pk}/members/").json()
    assert body["count"] == 26 and len(body["results"]) == 20 and body["next"]
    assert {"id", "user", "role", "created_at"} <= set(body["results"][0])


@pytest.mark.django_db
def test_owner_invites_by_email(auth_api, organization, run_on_commit):
    with run_on_commit(execute=True):
        response = auth_api.post(
            f"/api/v1/organizations/{organization.pk}/invitations/", {"email": "Friend@Example.test", "role": "admin"}
        )
    assert response.status_code == 201 and response.json()["email"] == "friend@example.test"
    assert Invitation.objects.get().role == "admin"
    assert EmailLog.objects.get(kind="invitation").recipient == "friend@example.test"
    again = auth_api.post(f"/api/v1/organizations/{organization.pk}/invitations/", {"email": "friend@example.test"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_invited"
    member = auth_api.post(f"/api/v1/organizations/{organization.pk}/invitations/", {"email": "alice@example.test"})
    assert member.status_code == 409 and member.json()["error"]["code"] == "already_member"
    bad = auth_api.post(f"/api/v1/organizations/{organization.pk}/invitations/", {"email": "nope", "role": "king"})
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"email", "role"}
    assert Membership.objects.filter(organization=organization).count() == 1


@pytest.mark.django_db
def test_me_answers_a_browser_session_as_it_answers_a_token(client_user, user):
    """The browser calls the API with its session cookie (the user is then a lazy proxy)."""
    response = client_user.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == user.email
