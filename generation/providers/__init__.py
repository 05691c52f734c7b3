"""The provider registry: one module per provider, each exposing `provider` (a Provider)."""

import importlib

from django.utils.translation import gettext as _

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
    raise ValidationFailed(
        _("Unknown provider “%(name)s”.") % {"name": name}, code="unknown_provider", fields={"provider": [_("Unknown provider.")]}
    )


def choosable(name):
    """The provider, if it exists and is configured (its key set); else a clear error."""
    provider = get(name)
    if not provider.is_configured():
        raise ValidationFailed(
            _("%(provider)s is not available on this platform.") % {"provider": provider.label},
            code="provider_not_configured",
            fields={"provider": [_("Not available.")]},
        )
    return provider
