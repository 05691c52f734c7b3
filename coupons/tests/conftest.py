import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The users made by the shared fixtures hash a password: the fast hasher keeps this suite quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
