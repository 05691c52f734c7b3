"""Sessions and tokens follow the credentials: a password change or reset, a 2FA change, a
deactivation and a removal from an organization end the account's other sessions and its tokens;
refresh rotation has one winner; users see and end their sessions and tokens (page and API)."""

import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services
from accounts.models import LoginSession, User
from accounts.tests.factories import MembershipFactory, UserFactory, confirmed_totp, totp_code
from conftest import ENGLISH_BROWSER, requires_postgres
from notifications.models import EmailLog

PASSWORD = "correct-horse-battery"


def browser(user):
    """A browser logged in as `user` through the login form (a tracked session)."""
    client = Client(**ENGLISH_BROWSER)
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD}, HTTP_USER_AGENT="Firefox")
    assert response.status_code == 302, response.content
    return client


def logged_in(client):
    return client.get(reverse("accounts:profile")).status_code == 200


class App:
    """A mobile app holding a token pair issued `age` ago."""

    def __init__(self, user, age=timedelta(minutes=1)):
        with time_machine.travel(timezone.now() - age, tick=False):
            refresh = RefreshToken.for_user(user)
            self.refresh, self.access = str(refresh), str(refresh.access_token)
        self.api = APIClient(**ENGLISH_BROWSER)

    def reads(self):
        return self.api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {self.access}").status_code == 200

    def refreshes(self):
        response = self.api.post("/api/v1/auth/token/refresh/", {"refresh": self.refresh})
        if response.status_code == 200:
            self.refresh, self.access = response.json()["refresh"], response.json()["access"]
            return True
        assert response.status_code == 401 and response.json()["error"]["code"] == "token_not_valid", response.content
        return False


@pytest.fixture
def other_browser(user):
    return browser(user)


@pytest.fixture
def app(user):
    return App(user)


@pytest.mark.django_db
def test_a_password_change_logs_out_every_other_session_and_app(user, other_browser, app):
    assert logged_in(other_browser) and app.reads()
    me = browser(user)
    response = me.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "another-secret-77", "new_password2": "another-secret-77"},
    )
    assert response.status_code == 302
    assert logged_in(me)  # the browser that changed it stays, under a new session key
    assert not logged_in(other_browser)
    assert not app.reads() and not app.refreshes()
    assert LoginSession.objects.filter(user=user).count() == 1
    assert App(user, age=timedelta(0)).reads()  # a login after the change works


@pytest.mark.django_db
def test_a_password_reset_logs_out_everyone(client, user, other_browser, app, run_on_commit):
    with run_on_commit(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": user.email})
    path = re.search(r"http://localhost:8000(\S+)", EmailLog.objects.get(kind="password_reset").body_text).group(1)
    set_password_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": "brand-new-secret-42", "new_password2": "brand-new-secret-42"})
    assert not logged_in(other_browser) and not app.reads() and not app.refreshes()
    assert not LoginSession.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_turning_two_factor_on_or_off_logs_out_the_other_sessions_and_apps(user, other_browser, app):
    me = browser(user)
    me.get(reverse("accounts:two_factor_setup"))
    device = user.totpdevice_set.get(confirmed=False)
    response = me.post(reverse("accounts:two_factor_setup"), {"token": totp_code(device)})
    assert response.status_code == 200 and services.has_two_factor(user)
    assert logged_in(me) and not logged_in(other_browser)
    assert not app.reads() and not app.refreshes()

    second_app = App(user)
    me.post(reverse("accounts:two_factor_disable"), {"password": PASSWORD})
    assert not services.has_two_factor(user) and logged_in(me)
    assert not second_app.reads() and not second_app.refreshes()


@pytest.mark.django_db
def test_staff_resetting_a_lost_phone_logs_the_account_out(user, other_browser, app):
    confirmed_totp(user)
    services.reset_two_factor(user=user)
    assert not logged_in(other_browser) and not app.refreshes()


@pytest.mark.django_db
def test_a_deactivated_account_is_logged_out_and_cannot_refresh(admin_client, user, other_browser, app):
    user.is_active = False
    user.save()
    assert not logged_in(other_browser) and not app.refreshes()
    user.refresh_from_db()
    assert user.credentials_changed_at is not None


@pytest.mark.django_db
def test_removal_from_an_organization_logs_the_member_out(user, organization):
    member = MembershipFactory(organization=organization, role="member", user__email="member@example.test").user
    their_browser, their_app = browser(member), App(member)
    services.remove_member(organization=organization, user=user, membership_id=member.memberships.get().pk)
    assert not logged_in(their_browser) and not their_app.reads() and not their_app.refreshes()


@pytest.mark.django_db
def test_an_unrelated_save_changes_nothing(user, other_browser, app):
    user.first_name = "Alicia"
    user.save()
    assert logged_in(other_browser) and app.reads() and app.refreshes()
    assert app.refreshes()  # rotation goes on with the new token


@pytest.mark.django_db
def test_a_used_refresh_token_is_refused(app):
    used = app.refresh
    assert app.refreshes()
    response = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": used})
    assert response.status_code == 401 and response.json()["error"]["code"] == "token_not_valid"


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_refreshes_of_one_token_have_one_winner():
    user = UserFactory(email="phone@example.test")
    refresh = str(RefreshToken.for_user(user))
    barrier, answers = threading.Barrier(10), []

    def use():
        try:
            barrier.wait()
            response = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": refresh})
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [body for status, body in answers if status == 200]
    assert len(winners) == 1, answers
    assert sorted({(status, body["error"]["code"]) for status, body in answers if status != 200}) == [(401, "token_not_valid")]
    response = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": winners[0]["refresh"]})
    assert response.status_code == 200  # the winner's client goes on


@pytest.mark.django_db
def test_the_api_lists_and_ends_sessions_and_tokens(user, other_user, other_browser, app, auth_api):
    sessions = auth_api.get("/api/v1/auth/sessions/").json()
    assert sessions["count"] == 1
    assert sessions["results"][0]["user_agent"] == "Firefox" and sessions["results"][0]["current"] is False
    tokens = auth_api.get("/api/v1/auth/tokens/").json()
    assert tokens["count"] == 2  # the app's, a minute old, and the one auth_api's access token came with

    stranger = browser(other_user)
    theirs = LoginSession.objects.get(user=other_user)
    assert auth_api.delete(f"/api/v1/auth/sessions/{theirs.pk}/").status_code == 404
    their_token = App(other_user)
    their_token_id = other_user.outstandingtoken_set.get().pk
    assert auth_api.delete(f"/api/v1/auth/tokens/{their_token_id}/").status_code == 404
    assert logged_in(stranger) and their_token.refreshes()

    assert auth_api.delete(f"/api/v1/auth/sessions/{sessions['results'][0]['id']}/").status_code == 204
    assert not logged_in(other_browser)
    assert auth_api.delete(f"/api/v1/auth/tokens/{tokens['results'][-1]['id']}/").status_code == 204
    assert not app.refreshes()
    assert auth_api.get("/api/v1/auth/tokens/").json()["count"] == 1


@pytest.mark.django_db
def test_the_sessions_page_lists_and_ends_them(user, other_browser, app):
    me = browser(user)
    page = me.get(reverse("accounts:sessions"))
    assert page.status_code == 200
    assert page.content.decode().count("data-session=") == 2 and page.content.decode().count("data-token=") == 1
    other = LoginSession.objects.filter(user=user).exclude(session_key=me.session.session_key).get()
    assert me.post(reverse("accounts:session_end", args=[other.pk])).status_code == 302
    assert not logged_in(other_browser) and logged_in(me)

    second = browser(user)
    me.post(reverse("accounts:sessions_end_others"))
    assert logged_in(me) and not logged_in(second) and not app.refreshes()
    stranger = LoginSession.objects.create(user=UserFactory(), session_key="x" * 32)
    assert me.post(reverse("accounts:session_end", args=[stranger.pk])).status_code == 404


@pytest.mark.django_db
def test_the_sessions_page_in_french(user):
    me = browser(User.objects.get(pk=user.pk))
    me.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    user.locale = "fr"
    user.save()
    assert "Se déconnecter partout ailleurs" in me.get(reverse("accounts:sessions")).content.decode()
