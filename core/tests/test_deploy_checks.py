"""Production fails closed: development secrets and the payment sandbox stop the start, `check
--deploy` names each of them, and with DEBUG off the sandbox takes no payment unless the install
says PAYMENT_TEST_MODE (every page then says TEST MODE)."""

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from billing import conf as payments
from billing import providers
from billing.models import Payment, WebhookEvent
from billing.providers import signing
from billing.tests.factories import invoice
from config.deploy_checks import check_unsafe_defaults
from core.tests.test_platform import load_production

OWN_SANDBOX_SECRET = "a-staging-install-s-own-sandbox-secret"


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"PAYMENT_PROVIDERS": "sandbox"}, "sandbox payment provider is enabled"),
        ({"PAYMENT_PROVIDERS": "stripe,sandbox", "SANDBOX_WEBHOOK_SECRET": OWN_SANDBOX_SECRET}, "PAYMENT_TEST_MODE=true"),
        ({"PAYMENT_PROVIDERS": "sandbox", "PAYMENT_TEST_MODE": "true"}, "SANDBOX_WEBHOOK_SECRET is the public"),
        ({"PAYMENT_PROVIDERS": None}, "sandbox payment provider is enabled"),  # the default is the sandbox
        ({"SECRET_KEY": "dev-only-insecure-key-" + "x" * 40}, "SECRET_KEY is a development key"),
        ({"STRIPE_WEBHOOK_SECRET": None}, "stripe payment provider is enabled without STRIPE_WEBHOOK_SECRET"),
        ({"PAYMENT_PROVIDERS": "mobile_money"}, "without MOBILE_MONEY_BASE_URL, MOBILE_MONEY_API_KEY"),
        ({"SELLER_SIREN": None}, r"development company's \(SELLER_SIREN\)"),
        ({"SELLER_VAT_NUMBER": None, "SELLER_EMAIL": None}, r"\(SELLER_VAT_NUMBER, SELLER_EMAIL\)"),
    ],
)
def test_production_refuses_to_start_with_a_default_secret_or_the_sandbox(monkeypatch, changes, reason):
    with pytest.raises(ImproperlyConfigured, match=reason):
        load_production(monkeypatch, **changes)


def test_a_staging_install_takes_the_sandbox_when_it_says_test_mode_with_its_own_secret(monkeypatch):
    staging = load_production(
        monkeypatch, PAYMENT_PROVIDERS="sandbox", PAYMENT_TEST_MODE="true", SANDBOX_WEBHOOK_SECRET=OWN_SANDBOX_SECRET
    )
    assert staging["PAYMENT_TEST_MODE"] is True and staging["DEBUG"] is False


def test_check_deploy_names_each_unsafe_default(settings, monkeypatch):
    monkeypatch.setattr(payments, "PAYMENT_PROVIDERS", ["sandbox", "stripe"])
    monkeypatch.setattr(payments, "STRIPE_SECRET_KEY", "")
    settings.PAYMENT_TEST_MODE = False
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "SIGNING_KEY": "dev-only-insecure-key-" + "x" * 40}
    found = {error.id for error in check_unsafe_defaults(None)}
    # The test profile's key is in the repository; the sandbox secret is the default one; the
    # seller is the development company.
    assert found == {"webox.E001", "webox.E002", "webox.E003", "webox.E004", "webox.E005", "webox.E006"}
    settings.PAYMENT_TEST_MODE = True  # a staging install: test documents, the sandbox's secret still refused
    assert {error.id for error in check_unsafe_defaults(None)} == {"webox.E001", "webox.E002", "webox.E004", "webox.E005"}
    settings.PAYMENT_TEST_MODE = False
    settings.DEBUG = True  # a developer's machine: nothing to report
    assert check_unsafe_defaults(None) == []


def test_manage_py_check_deploy_runs_the_check():
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"  # DEBUG off, a repository secret
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "webox.E001" in result.stderr and "SECRET_KEY is a development key" in result.stderr


def _signed_sandbox_post(client, event):
    body = json.dumps(event).encode()
    timestamp = int(time.time())
    header = f"t={timestamp},v1={signing.sign(payments.SANDBOX_WEBHOOK_SECRET, timestamp, body)}"
    return client.post(
        "/api/v1/billing/webhooks/sandbox/", body, content_type="application/json", HTTP_X_SANDBOX_SIGNATURE=header
    )


@pytest.mark.django_db
def test_without_test_mode_the_sandbox_takes_no_card_and_no_webhook(settings, monkeypatch, client, auth_api, organization):
    monkeypatch.setattr(payments, "PAYMENT_PROVIDERS", ["sandbox", "stripe"])
    settings.PAYMENT_TEST_MODE = False
    assert [provider.name for provider in providers.enabled()] == ["stripe"]
    inv = invoice(organization)
    response = auth_api.post(
        f"/api/v1/billing/invoices/{inv.pk}/pay/", {"provider": "sandbox", "card_number": "4242424242424242"}, format="json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_provider"
    forged = _signed_sandbox_post(client, {"id": "evt_forged", "type": "payment.succeeded", "data": {"reference": "x"}})
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "unknown_provider"
    inv.refresh_from_db()
    assert inv.status == "open" and not Payment.objects.exists() and not WebhookEvent.objects.exists()
    assert b"data-test-mode" not in client.get("/").content

    settings.DEBUG = True  # a developer's machine simulates payments, and says so
    assert "sandbox" in [provider.name for provider in providers.enabled()]
    assert b"data-test-mode" in client.get("/").content


@pytest.mark.django_db
def test_every_page_says_test_mode_when_payments_are_simulated(client, admin_client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    assert "MODE TEST" in client.get("/").content.decode()
    assert b"data-test-mode" in admin_client.get("/admin/").content
