"""Staff act only with a second factor, on every surface: no API token without an enrolled device,
the code asked by the token endpoint, staff API calls refused to tokens obtained without it, and the
admin, the agent desk and staff downloads behind the TOTP step (the demo staff exempt with DEBUG)."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import UserFactory, confirmed_totp, login_with_2fa, token_with_2fa, totp_code
from conftest import ENGLISH_BROWSER
from support import services as support
from support.models import AGENTS_GROUP
from support.tests.factories import open_ticket, png

PASSWORD = "correct-horse-battery"
STAFF_API = ["/api/v1/coupons/", "/api/v1/support/stats/"]
AGENT_API = "/api/v1/support/stats/"  # what a support agent's role opens (coupons: test_staff_matrix.py)


@pytest.fixture
def agent(db):
    user = UserFactory(email="nora.agent@example.test", is_staff=True)
    user.groups.add(Group.objects.get(name=AGENTS_GROUP))
    return user


def obtain(email, **extra):
    return APIClient(**ENGLISH_BROWSER).post("/api/v1/auth/token/", {"email": email, "password": PASSWORD, **extra})


def staff_api(token):
    return APIClient(**ENGLISH_BROWSER, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.django_db
def test_staff_without_a_device_get_no_token(agent):
    response = obtain(agent.email)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "two_factor_enrolment_required" and "two-factor" in error["message"]
    assert "access" not in response.json()


@pytest.mark.django_db
def test_the_token_endpoint_asks_staff_for_the_code_and_the_token_works_on_the_staff_api(agent):
    device = confirmed_totp(agent)
    assert obtain(agent.email).json()["error"]["code"] == "otp_required"
    response = obtain(agent.email, otp=totp_code(device))
    assert response.status_code == 200
    assert staff_api(response.json()["access"]).get(AGENT_API).status_code == 200
    refreshed = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": response.json()["refresh"]}).json()
    assert staff_api(refreshed["access"]).get(AGENT_API).status_code == 200  # the claim survives rotation


@pytest.mark.django_db
def test_a_token_obtained_without_the_code_is_refused_on_the_staff_api(agent, user):
    password_only = str(RefreshToken.for_user(agent).access_token)  # e.g. from before the person became staff
    for path in STAFF_API:
        response = staff_api(password_only).get(path)
        assert response.status_code == 403 and response.json()["error"]["code"] == "two_factor_required", path
    customer = str(RefreshToken.for_user(user).access_token)
    assert staff_api(customer).get(STAFF_API[0]).json()["error"]["code"] == "permission_denied"


@pytest.mark.django_db
def test_the_agent_desk_asks_for_the_second_factor_first(agent, staff_user):
    client = Client(**ENGLISH_BROWSER)
    client.force_login(agent)
    response = client.get("/support/agent/")
    assert response.status_code == 302 and response.url.startswith("/accounts/two-factor/?next=%2Fsupport%2Fagent%2F")
    assert client.get("/admin/").status_code == 302
    login_with_2fa(client, agent)
    assert client.get("/support/agent/").status_code == 200
    assert login_with_2fa(Client(), staff_user).get("/support/agent/").status_code == 403  # staff, not support


@pytest.mark.django_db
def test_staff_downloads_need_the_second_factor(agent, organization, user):
    ticket = open_ticket(organization=organization, requester=user)
    note = support.agent_reply(ticket=ticket, agent=agent, body="Capture", internal=True, attachments=[png()])
    url = f"/support/attachments/{note.attachments.get().pk}/"
    without = Client()
    without.force_login(agent)
    assert without.get(url).status_code == 404
    assert login_with_2fa(Client(), agent).get(url).status_code == 200
    api = f"/api/v1/support/attachments/{note.attachments.get().pk}/download/"
    assert staff_api(str(RefreshToken.for_user(agent).access_token)).get(api).status_code == 404
    assert staff_api(token_with_2fa(agent)).get(api).status_code == 200


@pytest.mark.django_db
def test_the_demo_staff_are_exempt_on_a_developer_machine_only(settings, agent):
    settings.ADMIN_2FA_EXEMPT_EMAILS = [agent.email]
    client = Client()
    client.force_login(agent)
    assert client.get("/support/agent/").status_code == 302  # DEBUG off: no exemption
    settings.DEBUG = True
    assert client.get("/support/agent/").status_code == 200


@pytest.mark.django_db
def test_the_two_factor_refusal_is_in_french(agent):
    response = APIClient(HTTP_ACCEPT_LANGUAGE="fr").post("/api/v1/auth/token/", {"email": agent.email, "password": PASSWORD})
    assert "double authentification" in response.json()["error"]["message"]
