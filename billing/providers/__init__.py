"""Payment providers, one module each; `get(name)` returns the configured ones only."""

from billing import conf
from billing.providers.base import BadSignature, PaymentProvider, ProviderError
from billing.providers.mobile_money import MobileMoneyProvider
from billing.providers.sandbox import SandboxProvider
from billing.providers.stripe import StripeProvider
from core.errors import ValidationFailed

REGISTRY = {p.name: p for p in (SandboxProvider(), StripeProvider(), MobileMoneyProvider())}


def enabled():
    return [REGISTRY[name] for name in conf.PAYMENT_PROVIDERS if name in REGISTRY]


def get(name):
    provider = REGISTRY.get(name)
    if provider is None or name not in conf.PAYMENT_PROVIDERS:
        raise ValidationFailed(
            f"Unknown payment provider “{name}”.",
            code="unknown_provider",
            fields={"provider": [f"Use one of: {', '.join(conf.PAYMENT_PROVIDERS)}."]},
        )
    return provider


__all__ = ["BadSignature", "PaymentProvider", "ProviderError", "enabled", "get"]
