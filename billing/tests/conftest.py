import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The users made by the shared fixtures hash a password: the fast hasher keeps this suite quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def gateways(monkeypatch):
    """All three providers on, with test keys and a mobile money backend at a fake address (respx)."""
    from billing import conf

    monkeypatch.setattr(conf, "PAYMENT_PROVIDERS", ["sandbox", "stripe", "mobile_money"])
    monkeypatch.setattr(conf, "STRIPE_SECRET_KEY", "sk_test_webox")
    monkeypatch.setattr(conf, "STRIPE_WEBHOOK_SECRET", "whsec_test")
    monkeypatch.setattr(conf, "MOBILE_MONEY_BASE_URL", "https://mm.example.test")
    monkeypatch.setattr(conf, "MOBILE_MONEY_API_KEY", "mm_key")
    monkeypatch.setattr(conf, "MOBILE_MONEY_WEBHOOK_SECRET", "mm_secret")
    return conf
