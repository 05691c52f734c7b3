import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The shop's tests log people in but never test hashing: a cheap hasher keeps them fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
