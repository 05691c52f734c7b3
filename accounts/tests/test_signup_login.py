import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from accounts.tests.factories import UserFactory
from notifications.models import EmailLog

PASSWORD = "correct-horse-battery"


def signup(client, run_on_commit, email="new@example.test", **extra):
    data = {
        "email": email,
        "first_name": "Nina",
        "password": "a-long-secret-9",
        "currency": "XOF",
        "locale": "fr",
        "organization_name": "Nina Lab",
        **extra,
    }
    with run_on_commit(execute=True):
        return client.post(reverse("accounts:signup"), data)


def link_in(body):
    return re.search(r"https?://\S+", body).group(0)


@pytest.mark.django_db
def test_signup_verification_link_then_login(client, run_on_commit):
    response = signup(client, run_on_commit, email="Nina@Example.test")
    assert response.status_code == 302 and response.url == reverse("accounts:dashboard")

    user = User.objects.get(email="nina@example.test")
    assert user.email_verified_at is None
    member = Membership.objects.get(user=user)
    assert (member.role, member.organization.name, member.organization.currency) == ("owner", "Nina Lab", "XOF")
    assert user.default_organization == member.organization

    log = EmailLog.objects.get(kind="verify_email", recipient="nina@example.test")
    assert log.status == EmailLog.Status.SENT and log.locale == "fr"
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith("Confirmez")

    client.post(reverse("accounts:logout"))
    path = link_in(log.body_text).split("localhost:8000")[1]
    client.get(path)
    user.refresh_from_db()
    assert user.email_verified_at is not None

    response = client.post(reverse("accounts:login"), {"username": "NINA@example.test", "password": "a-long-secret-9"})
    assert response.status_code == 302 and response.url == reverse("accounts:dashboard")
    assert client.get(reverse("accounts:dashboard")).status_code == 200


@pytest.mark.django_db
def test_verification_link_expires_and_cannot_be_forged(client, run_on_commit):
    signup(client, run_on_commit)
    path = link_in(EmailLog.objects.get(kind="verify_email").body_text).split("localhost:8000")[1]
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        response = client.get(path, follow=True)
    assert "a expiré" in response.content.decode()  # Nina signed up in French
    client.get(path[:-3] + "abc/")
    assert User.objects.get(email="new@example.test").email_verified_at is None


@pytest.mark.django_db
def test_signup_refuses_taken_email_and_weak_password(client, run_on_commit):
    UserFactory(email="taken@example.test")
    response = signup(client, run_on_commit, email="TAKEN@example.test")
    assert response.status_code == 200 and "already exists" in response.content.decode()
    response = signup(client, run_on_commit, email="weak@example.test", password="12345678")
    assert response.status_code == 200 and not User.objects.filter(email="weak@example.test").exists()
    assert User.objects.count() == 1 and not EmailLog.objects.exists()


@pytest.mark.django_db
def test_logout_ends_the_session(client_user):
    assert client_user.get(reverse("accounts:dashboard")).status_code == 200
    client_user.post(reverse("accounts:logout"))
    assert client_user.get(reverse("accounts:dashboard")).status_code == 302


def failed_login(client, email, address="10.0.0.1"):
    return client.post(reverse("accounts:login"), {"username": email, "password": "wrong-password"}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_browser_lockout_after_failures_and_reset_after_cooloff(client, user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert failed_login(client, user.email).status_code == 200
        assert failed_login(client, user.email.upper()).status_code == 200  # same login, other spelling
        locked = failed_login(client, user.email)
        assert locked.status_code == 429
        assert "locked for 15 minutes" in locked.content.decode()
        assert locked["Retry-After"] == "900"
        # Even the right password is refused while locked.
        response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
        assert response.status_code == 429
        assert client.get(reverse("accounts:dashboard")).status_code == 302
        # The lock is for this account, from every address (a password reset lifts it).
        response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.2")
        assert response.status_code == 429
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
        assert response.status_code == 302
        assert client.get(reverse("accounts:dashboard")).status_code == 200


@pytest.mark.django_db
def test_a_locked_out_user_resets_the_password_and_logs_in_at_once(client, user, settings, run_on_commit):
    settings.AXES_FAILURE_LIMIT = 2
    failed_login(client, user.email)
    locked = failed_login(client, user.email)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "once the lock ends" not in page and reverse("accounts:password_reset") in page
    with run_on_commit(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": user.email})
    path = re.search(r"http://localhost:8000(\S+)", EmailLog.objects.get(kind="password_reset").body_text).group(1)
    set_password_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": "brand-new-secret-42", "new_password2": "brand-new-secret-42"})
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": "brand-new-secret-42"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302 and response.url == reverse("accounts:dashboard")


@pytest.mark.django_db
def test_the_lockout_page_speaks_the_visitors_language(client, user, settings):
    settings.AXES_FAILURE_LIMIT = 1
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = failed_login(client, user.email).content.decode()
    assert "Trop de tentatives échouées" in page and "bloquée pendant 15 minutes" in page
