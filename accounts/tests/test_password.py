import re

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import EmailLog


@pytest.mark.django_db
def test_password_reset_end_to_end(client, user, run_on_commit):
    with run_on_commit(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "ALICE@example.test"})
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_done")

    log = EmailLog.objects.get(kind="password_reset")
    assert log.recipient == user.email and log.status == EmailLog.Status.SENT and log.related == user
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    path = re.search(r"http://localhost:8000(\S+)", log.body_text).group(1)

    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": "brand-new-secret-42", "new_password2": "brand-new-secret-42"})
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_complete")

    # The link works once only.
    assert not client.get(path, follow=True).context["validlink"]
    assert (
        client.post(reverse("accounts:login"), {"username": user.email, "password": "correct-horse-battery"}).status_code == 200
    )
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": "brand-new-secret-42"})
    assert response.status_code == 302 and response.url == reverse("accounts:dashboard")


@pytest.mark.django_db
def test_password_reset_for_unknown_address_sends_nothing(client, user, run_on_commit):
    with run_on_commit(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert not EmailLog.objects.exists() and not mail.outbox


@pytest.mark.django_db
def test_password_change_keeps_the_session(client_user, user):
    response = client_user.post(
        reverse("accounts:password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": "another-secret-77",
            "new_password2": "another-secret-77",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-secret-77")
    assert client_user.get(reverse("accounts:profile")).status_code == 200


@pytest.mark.django_db
def test_password_change_needs_the_old_password(client_user, user):
    response = client_user.post(
        reverse("accounts:password_change"),
        {
            "old_password": "wrong",
            "new_password1": "another-secret-77",
            "new_password2": "another-secret-77",
        },
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery")


@pytest.mark.django_db
def test_profile_edits_name_and_language(client_user, user):
    response = client_user.post(reverse("accounts:profile"), {"first_name": "Alicia", "last_name": "M", "locale": "fr"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.locale) == ("Alicia", "fr")
    page = client_user.get(reverse("accounts:profile")).content.decode()
    assert "Double authentification" in page and "Activer" in page  # the profile now speaks French
    assert client_user.post(reverse("accounts:profile"), {"first_name": "X", "locale": "de"}).status_code == 200
    user.refresh_from_db()
    assert user.locale == "fr"
