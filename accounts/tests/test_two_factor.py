from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.tests.factories import UserFactory, confirmed_totp, totp_code

PASSWORD = "correct-horse-battery"


def password_step(client, user, next_url=""):
    return client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD, "next": next_url})


@pytest.mark.django_db
def test_enrolment_with_qr_code_then_recovery_codes(client_user, user):
    page = client_user.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    # Reloading shows the same secret, so a code from the scan still works.
    assert client_user.get(reverse("accounts:two_factor_setup")).context["secret"] == page.context["secret"]

    wrong = client_user.post(
        reverse("accounts:two_factor_setup"), {"token": "000000" if totp_code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and not services.has_two_factor(user)
    # A failed try keeps the secret the user just scanned.
    assert TOTPDevice.objects.get(user=user, confirmed=False).pk == device.pk

    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        done = client_user.post(reverse("accounts:two_factor_setup"), {"token": totp_code(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and all(code in done.content.decode() for code in codes)
    assert services.has_two_factor(user)
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert "Recovery codes left: 10" in client_user.get(reverse("accounts:profile")).content.decode()


@pytest.mark.django_db
def test_login_asks_for_the_totp_code_after_the_password(client, user):
    device = confirmed_totp(user)
    response = password_step(client, user, next_url=reverse("accounts:profile"))
    assert response.url == reverse("accounts:login_otp")
    # Not logged in between the two steps.
    assert client.get(reverse("accounts:dashboard")).status_code == 302

    assert client.post(reverse("accounts:login_otp"), {"token": "12345"}).status_code == 200
    # django-otp makes the device wait a little after a wrong code.
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        response = client.post(reverse("accounts:login_otp"), {"token": totp_code(device)})
    assert response.url == reverse("accounts:profile")
    assert client.get(reverse("accounts:dashboard")).wsgi_request.user.is_verified()


@pytest.mark.django_db
def test_login_with_a_recovery_code_works_once(client, user):
    confirmed_totp(user)
    code = services.regenerate_recovery_codes(user=user)[0]
    password_step(client, user)
    # As typed from a printout: upper case, with a space.
    response = client.post(reverse("accounts:login_otp"), {"token": f"{code[:4].upper()} {code[4:]}"})
    assert response.url == reverse("accounts:dashboard")
    assert StaticToken.objects.filter(device__user=user).count() == 9

    client.post(reverse("accounts:logout"))
    password_step(client, user)
    assert client.post(reverse("accounts:login_otp"), {"token": code}).status_code == 200
    assert client.get(reverse("accounts:dashboard")).status_code == 302


@pytest.mark.django_db
def test_the_pending_login_expires(client, user):
    device = confirmed_totp(user)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        password_step(client, user)
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        response = client.post(reverse("accounts:login_otp"), {"token": totp_code(device)})
    assert response.url == reverse("accounts:login")
    assert client.get(reverse("accounts:dashboard")).status_code == 302


@pytest.mark.django_db
def test_regenerating_recovery_codes_replaces_the_old_ones(client, user):
    device = confirmed_totp(user)
    old = services.regenerate_recovery_codes(user=user)
    password_step(client, user)
    client.post(reverse("accounts:login_otp"), {"token": totp_code(device)})
    response = client.post(reverse("accounts:recovery_codes"))
    new = response.context["codes"]
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(new)
    assert not set(old) & set(new)


@pytest.mark.django_db
def test_disabling_needs_the_password(client, user):
    device = confirmed_totp(user)
    password_step(client, user)
    client.post(reverse("accounts:login_otp"), {"token": totp_code(device)})
    client.post(reverse("accounts:two_factor_disable"), {"password": "wrong"})
    assert services.has_two_factor(user)
    client.post(reverse("accounts:two_factor_disable"), {"password": PASSWORD})
    assert not services.has_two_factor(user)


@pytest.fixture
def staff(db):
    return UserFactory(email="agent@example.test", is_staff=True, is_superuser=True)


@pytest.mark.django_db
def test_admin_refuses_staff_without_two_factor_and_sends_them_to_enrol(client, staff):
    response = password_step(client, staff)
    assert response.url == reverse("accounts:dashboard")
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:two_factor_setup"))
    assert "admin/base_site.html" not in [t.name for t in response.templates]

    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    done = client.post(response.redirect_chain[-1][0], {"token": totp_code(device)})
    assert done.context["next"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_admin_admits_staff_with_a_verified_totp(client, staff):
    device = confirmed_totp(staff)
    password_step(client, staff, next_url="/admin/")
    response = client.post(reverse("accounts:login_otp"), {"token": totp_code(device)})
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_admin_asks_a_code_from_a_session_opened_without_it(client, staff):
    device = confirmed_totp(staff)
    client.force_login(staff)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:two_factor"))
    assert client.get("/admin/").status_code == 302
    response = client.post(reverse("accounts:two_factor"), {"token": totp_code(device), "next": "/admin/"})
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_demo_staff_is_exempt_only_in_debug(client, settings):
    demo = UserFactory(email="staff@webox.test", is_staff=True, is_superuser=True)
    client.force_login(demo)
    settings.ADMIN_2FA_EXEMPT_EMAILS = ["staff@webox.test"]
    settings.DEBUG = False
    assert client.get("/admin/").status_code == 302
    settings.DEBUG = True
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_customers_cannot_open_the_admin_even_with_two_factor(client, user):
    device = confirmed_totp(user)
    password_step(client, user)
    client.post(reverse("accounts:login_otp"), {"token": totp_code(device)})
    assert client.get("/admin/", follow=True).status_code == 403
