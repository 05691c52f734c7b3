"""Which language a person is spoken to in: their setting, else their organization's, else the
browser's; the switcher on every page; the API's error messages."""

import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.selectors import language_for, preferred_language, time_zone_for
from accounts.tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

LOGIN_FR, LOGIN_EN = "Se connecter", "Log in"


def page(client, url="/accounts/login/"):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def member(org_locale="en", **user):
    return MembershipFactory(organization=OrganizationFactory(locale=org_locale), user__locale=user.get("locale", "")).user


def test_a_visitor_gets_the_browsers_language_and_french_when_it_says_none():
    assert LOGIN_FR in page(Client(HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5"))
    assert LOGIN_EN in page(Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"))
    html = page(Client())
    assert LOGIN_FR in html and '<html lang="fr">' in html


def test_a_visitor_switches_language_and_the_choice_stays():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("accounts:set_language"), {"language": "fr", "next": "/accounts/login/"})
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert LOGIN_FR in page(client)
    assert LOGIN_FR in page(client, "/accounts/signup/")  # the cookie keeps it on every page


def test_the_switcher_is_on_every_page_and_offers_the_other_language(client):
    html = page(client)
    assert 'action="/accounts/language/"' in html and 'value="fr"' in html and 'value="en"' in html


def test_the_users_own_setting_wins_over_the_organization_and_the_browser():
    user = member(org_locale="fr", locale="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    assert "Log out" in page(client, reverse("accounts:profile"))


def test_without_a_setting_the_organizations_language_wins_over_the_browser():
    user = member(org_locale="fr")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    assert "Se déconnecter" in page(client, reverse("accounts:profile"))


def test_a_signed_in_user_switching_language_keeps_it_on_any_device():
    user = member(org_locale="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.post(reverse("accounts:set_language"), {"language": "fr", "next": "/"})
    user.refresh_from_db()
    assert user.locale == "fr"
    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en")  # another browser: no cookie
    elsewhere.force_login(user)
    assert "Se déconnecter" in page(elsewhere, reverse("accounts:profile"))


def test_the_switcher_refuses_an_unknown_language():
    user = member(org_locale="en", locale="en")
    client = Client()
    client.force_login(user)
    client.post(reverse("accounts:set_language"), {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.locale == "en"


def test_signing_up_in_french_makes_a_french_user_and_organization(run_on_commit):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    with run_on_commit(execute=True):
        client.post(
            reverse("accounts:signup"),
            {"email": "nina@example.test", "password": "a-long-secret-9", "currency": "EUR", "locale": "fr"},
        )
    from accounts.models import User

    user = User.objects.get(email="nina@example.test")
    assert (user.locale, user.default_organization.locale) == ("fr", "fr")


def test_api_errors_follow_accept_language():
    fr = APIClient(HTTP_ACCEPT_LANGUAGE="fr").get("/api/v1/me/").json()["error"]
    en = APIClient(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/me/").json()["error"]
    assert fr["code"] == en["code"] == "not_authenticated"
    assert fr["message"] != en["message"] and "authentification" in fr["message"]


def test_api_errors_follow_the_users_own_language_with_a_jwt():
    user = member(org_locale="en", locale="fr")
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    response = api.get("/api/v1/organizations/999999/")
    assert response.status_code == 404
    assert response["Content-Language"] == "fr"
    assert response.json()["error"]["message"] != "Not found."


def test_emails_and_documents_use_the_same_rule():
    assert language_for(member(org_locale="fr", locale="en")) == "en"
    assert language_for(member(org_locale="fr")) == "fr"
    orphan = MembershipFactory().user
    orphan.default_organization = None
    assert preferred_language(orphan) is None and language_for(orphan) == "fr"


def test_times_are_shown_in_the_users_time_zone_else_the_organizations():
    user = member(org_locale="fr")
    user.default_organization.time_zone = "Africa/Dakar"
    assert time_zone_for(user) == zoneinfo.ZoneInfo("Africa/Dakar")
    user.time_zone = "America/Martinique"
    assert time_zone_for(user) == zoneinfo.ZoneInfo("America/Martinique")
    assert time_zone_for(None) == zoneinfo.ZoneInfo("Europe/Paris")
