"""Staff users in each role, logged in through the admin's 2FA gate (the root admin_client pattern)."""

from django.contrib.auth.models import Group
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import UserFactory


def staff_in(group_name, email=None):
    user = UserFactory(email=email or f"{group_name.lower().replace(' ', '-')}@example.test", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def login_with_2fa(client, user):
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
