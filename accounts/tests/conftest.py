import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Logins are the subject of these tests, not the hash's cost: keep the suite quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
