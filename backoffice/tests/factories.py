"""Staff users in each role, logged in through the admin's 2FA gate (the root admin_client pattern)."""

from django.contrib.auth.models import Group

from accounts.tests.factories import UserFactory, login_with_2fa


def staff_in(group_name, email=None):
    user = UserFactory(email=email or f"{group_name.lower().replace(' ', '-')}@example.test", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


__all__ = ["login_with_2fa", "staff_in"]
