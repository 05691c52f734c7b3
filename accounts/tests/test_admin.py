import pytest
from django.urls import reverse

from accounts.services import has_two_factor
from accounts.tests.factories import UserFactory, confirmed_totp, totp_code
from notifications.models import EmailLog


@pytest.fixture
def admin_client(client, db):
    staff = UserFactory(email="agent@example.test", is_staff=True, is_superuser=True)
    device = confirmed_totp(staff)
    client.post(reverse("accounts:login"), {"username": staff.email, "password": "correct-horse-battery"})
    client.post(reverse("accounts:login_otp"), {"token": totp_code(device)})
    return client


@pytest.mark.django_db
def test_user_list_shows_two_factor_status_and_filters_on_it(admin_client, user):
    confirmed_totp(user)
    UserFactory(email="plain@example.test")
    response = admin_client.get(reverse("admin:accounts_user_changelist"), {"two_factor": "off"})
    assert response.status_code == 200
    assert [u.email for u in response.context["cl"].result_list] == ["plain@example.test"]
    response = admin_client.get(reverse("admin:accounts_user_changelist"), {"two_factor": "on"})
    assert {u.email for u in response.context["cl"].result_list} == {"agent@example.test", "alice@example.test"}


@pytest.mark.django_db
def test_staff_turns_off_a_customers_two_factor(admin_client, user):
    confirmed_totp(user)
    admin_client.post(reverse("admin:accounts_user_changelist"), {"action": "reset_two_factor", "_selected_action": [user.pk]})
    assert not has_two_factor(user)


@pytest.mark.django_db
def test_staff_resends_verification_only_to_unconfirmed(admin_client, user, run_on_commit):
    pending = UserFactory(email="pending@example.test", email_verified_at=None)
    with run_on_commit(execute=True):
        selected = {"action": "resend_verification", "_selected_action": [user.pk, pending.pk]}
        admin_client.post(reverse("admin:accounts_user_changelist"), selected)
    assert list(EmailLog.objects.values_list("recipient", flat=True)) == ["pending@example.test"]


@pytest.mark.django_db
def test_admin_pages_of_accounts_render(admin_client, user, organization):
    for name, args in [
        ("admin:accounts_user_change", [user.pk]),
        ("admin:accounts_organization_changelist", []),
        ("admin:accounts_organization_change", [organization.pk]),
        ("admin:accounts_invitation_changelist", []),
    ]:
        assert admin_client.get(reverse(name, args=args)).status_code == 200
