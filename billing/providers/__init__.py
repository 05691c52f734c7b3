"""Payment providers, one module each; `get(name)` returns the configured ones only.

A test-mode provider (the sandbox) takes test cards and its own signed webhooks as payment: it is
offered only with DEBUG on or on an install that says PAYMENT_TEST_MODE (the production profile
refuses to start otherwise, config/deploy_checks.py), so a forgotten setting never turns it on."""

from django.conf import settings
from django.utils.translation import gettext as _

from billing import conf
from billing.providers.base import BadSignature, PaymentProvider, ProviderError
from billing.providers.mobile_money import MobileMoneyProvider
from billing.providers.sandbox import SandboxProvider
from billing.providers.stripe import StripeProvider
from core.errors import ValidationFailed

REGISTRY = {p.name: p for p in (SandboxProvider(), StripeProvider(), MobileMoneyProvider())}


def test_mode():
    """Whether payments may be simulated here (the pages then say TEST MODE)."""
    return settings.DEBUG or settings.PAYMENT_TEST_MODE


def _names():
    return [name for name in conf.PAYMENT_PROVIDERS if name in REGISTRY and (test_mode() or not REGISTRY[name].test_mode)]


def enabled():
    return [REGISTRY[name] for name in _names()]


def get(name):
    names = _names()
    if name not in names:
        raise ValidationFailed(
            _("Unknown payment provider “%(name)s”.") % {"name": name},
            code="unknown_provider",
            fields={"provider": [_("Use one of: %(choices)s.") % {"choices": ", ".join(names)}]},
        )
    return REGISTRY[name]


__all__ = ["BadSignature", "PaymentProvider", "ProviderError", "enabled", "get"]
