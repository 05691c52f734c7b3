import pytest
from django.urls import reverse

from accounts import services


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, text",
    [
        ("accounts:dashboard", "Welcome"),
        ("accounts:profile", "Two-factor authentication"),
        ("accounts:password_change", "Change your password"),
        ("accounts:organization_settings", "VAT number"),
        ("accounts:members", "Invite someone"),
    ],
)
def test_logged_in_pages_render(client_user, name, text):
    response = client_user.get(reverse(name))
    assert response.status_code == 200 and text in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["accounts:login", "accounts:signup", "accounts:password_reset", "accounts:password_reset_done"])
def test_public_pages_render(client, name):
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["accounts:dashboard", "accounts:profile", "accounts:members", "accounts:two_factor"])
def test_private_pages_ask_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_login_step_two_without_step_one_goes_back_to_login(client):
    assert client.get(reverse("accounts:login_otp")).url == reverse("accounts:login")


@pytest.mark.django_db
def test_a_broken_invitation_link_says_so(client):
    response = client.get(reverse("accounts:accept_invitation", args=["garbage"]))
    assert response.status_code == 400 and "not valid" in response.content.decode()


@pytest.mark.django_db
def test_invitation_page_for_the_wrong_account_explains(client_user, other_organization, other_user):
    invitation = services.invite_member(organization=other_organization, invited_by=other_user, email="carol@example.test")
    response = client_user.get(services.invitation_link(invitation).removeprefix("http://localhost:8000"))
    assert "Log out and log in as carol@example.test" in response.content.decode()


@pytest.mark.django_db
def test_next_cannot_send_users_to_another_site(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": "correct-horse-battery", "next": "https://evil.test/"}
    )
    assert response.url == reverse("accounts:dashboard")
    response = client.get(reverse("accounts:two_factor_setup"), {"next": "https://evil.test/"})
    assert response.context["next"] == reverse("accounts:profile")
