"""The provider registry: one module per provider, each exposing `provider` (a Provider)."""

import importlib

from core.errors import ValidationFailed
from generation.providers.base import JobCanceled, ProviderError

__all__ = ["JobCanceled", "ProviderError", "all_providers", "choosable", "get"]

MODULES = ("offline", "openai", "stability", "elevenlabs", "runway", "anthropic", "gemini", "mistral", "groq", "openai_compat")


def all_providers():
    return [importlib.import_module(f"generation.providers.{name}").provider for name in MODULES]


def get(name):
    for provider in all_providers():
        if provider.name == name:
            return provider
    raise ValidationFailed(f"Unknown provider “{name}”.", code="unknown_provider", fields={"provider": ["Unknown provider."]})


def choosable(name):
    """The provider, if it exists and is configured (its key set); else a clear error."""
    provider = get(name)
    if not provider.is_configured():
        raise ValidationFailed(
            f"{provider.label} is not configured on this platform ({provider.key_variable} is not set).",
            code="provider_not_configured",
            fields={"provider": ["Not configured."]},
        )
    return provider
