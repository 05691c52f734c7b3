import pytest
from django.contrib.auth.models import Group

from accounts.tests.factories import UserFactory


@pytest.fixture
def editor(db):
    """A staff member in the "Content editors" role."""
    user = UserFactory(email="editor@example.test", is_staff=True)
    user.groups.add(Group.objects.get(name="Content editors"))
    return user
