from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import Membership, User
from accounts.tests.factories import confirmed_totp, totp_code
from core.api.throttling import AuthRateThrottle
from notifications.models import EmailLog

PASSWORD = "correct-horse-battery"


def obtain(api_client, email, password=PASSWORD, address="10.0.0.1", **extra):
    return api_client.post("/api/v1/auth/token/", {"email": email, "password": password, **extra}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_register_creates_user_organization_and_tokens(api_client, run_on_commit):
    with run_on_commit(execute=True):
        response = api_client.post(
            "/api/v1/auth/register/",
            {
                "email": "Mobile@Example.test",
                "password": "a-long-secret-9",
                "first_name": "Mo",
                "currency": "XOF",
                "locale": "fr",
            },
        )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "mobile@example.test" and body["user"]["email_verified"] is False
    membership = Membership.objects.get(user__email="mobile@example.test")
    assert (membership.role, membership.organization.currency) == ("owner", "XOF")
    assert EmailLog.objects.get(kind="verify_email").recipient == "mobile@example.test" and len(mail.outbox) == 1

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    me = api_client.get("/api/v1/me/").json()
    assert me["current_organization"]["id"] == membership.organization_id


@pytest.mark.django_db
def test_register_with_a_bad_email_answers_the_error_envelope(api_client):
    response = api_client.post("/api/v1/auth/register/", {"email": "not-an-email", "password": "a-long-secret-9"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"].startswith("email:")
    assert list(error["fields"]) == ["email"]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_refuses_a_taken_email_and_a_weak_password(api_client, user):
    response = api_client.post("/api/v1/auth/register/", {"email": user.email.upper(), "password": "a-long-secret-9"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "email_taken"
    response = api_client.post("/api/v1/auth/register/", {"email": "weak@example.test", "password": "password"})
    assert response.status_code == 400 and "password" in response.json()["error"]["fields"]
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_jwt_obtain_refresh_rotation_and_blacklist(api_client, user):
    tokens = obtain(api_client, "ALICE@example.test").json()
    assert set(tokens) == {"access", "refresh"}
    user.refresh_from_db()
    assert user.last_login is not None

    rotated = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refresh"] != tokens["refresh"]
    # The refresh token just used is refused from now on.
    reused = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert reused.status_code == 401 and reused.json()["error"]["code"] == "token_not_valid"

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {new['access']}")
    assert api_client.get("/api/v1/me/").status_code == 200
    assert api_client.post("/api/v1/auth/token/blacklist/", {"refresh": new["refresh"]}).status_code == 200
    response = api_client.post("/api/v1/auth/token/refresh/", {"refresh": new["refresh"]})
    assert response.status_code == 401 and response.json()["error"]["code"] == "token_not_valid"


@pytest.mark.django_db
def test_wrong_password_answers_401_in_the_envelope(api_client, user):
    response = obtain(api_client, user.email, "wrong")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "no_active_account"


@pytest.mark.django_db
def test_api_lockout_after_failures_and_reset_after_cooloff(api_client, user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert obtain(api_client, user.email, "wrong").status_code == 401
        assert obtain(api_client, user.email.upper(), "wrong").status_code == 401
        locked = obtain(api_client, user.email, "wrong")
        assert locked.status_code == 429
        assert locked["Retry-After"] == "900"
        assert locked.json()["error"]["code"] == "account_locked"
        assert "locked for 15 minutes" in locked.json()["error"]["message"]
        # The right password does not get through the lock.
        assert obtain(api_client, user.email).status_code == 429
        # The account is locked, from any address (guesses from many addresses add up).
        assert obtain(api_client, user.email, address="10.0.0.2").status_code == 429
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert obtain(api_client, user.email).status_code == 200


@pytest.mark.django_db
def test_browser_and_api_failures_count_together(api_client, client, user, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client.post("/accounts/login/", {"username": user.email, "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    assert obtain(api_client, user.email, "wrong").status_code == 429


@pytest.mark.django_db
def test_a_successful_login_clears_earlier_failures(api_client, user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    obtain(api_client, user.email, "wrong")
    obtain(api_client, user.email, "wrong")
    assert obtain(api_client, user.email).status_code == 200
    assert obtain(api_client, user.email, "wrong").status_code == 401
    assert obtain(api_client, user.email, "wrong").status_code == 401


@pytest.mark.django_db
def test_auth_endpoints_are_throttled_with_retry_after(api_client, user, monkeypatch):
    monkeypatch.setattr(AuthRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
    for n in range(3):
        assert obtain(api_client, f"nobody{n}@example.test", "wrong").status_code == 401
    response = obtain(api_client, user.email)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60


@pytest.mark.django_db
def test_two_factor_accounts_need_the_code_for_a_token(api_client, user):
    device = confirmed_totp(user)
    response = obtain(api_client, user.email)
    assert response.status_code == 401 and response.json()["error"]["code"] == "otp_required"
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        response = obtain(api_client, user.email, otp=totp_code(device))
    assert response.status_code == 200 and "access" in response.json()
