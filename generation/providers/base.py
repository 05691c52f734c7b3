"""The one interface every provider implements, and the data its prices are kept in.

A provider declares what it can do per kind (models and the options each accepts), its price
table as published by the provider (with the date it was read), whether it is configured (its
key is set) and `run(job, report)`, which returns the files and usage of the job. The cost of a
job is computed here from the price table, in integer micro-units of the table's currency.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.errors import DomainError, ValidationFailed
from generation import conf


class ProviderError(DomainError):
    """A provider call that failed; `code` says why in words a customer understands."""

    code = "provider_error"
    status = 502


class ProviderAuthError(ProviderError):
    code = "provider_auth_failed"


class RateLimited(ProviderError):
    code = "rate_limited"


class ContentRefused(ProviderError):
    code = "content_refused"
    status = 422


class ProviderTimeout(ProviderError):
    code = "provider_timeout"


class ProviderUnavailable(ProviderError):
    code = "provider_unavailable"


class ProviderRejected(ProviderError):
    code = "provider_rejected"
    status = 422


class JobCanceled(Exception):
    """Raised by `report()` when the job was canceled meanwhile: the provider stops there."""


@dataclass(frozen=True)
class ModelPrice:
    """Published prices of one model, in micro-units (1e-6) of the table's currency."""

    per_image: int | dict | None = None  # flat, or by "WxH" size
    per_1k_input_tokens: int | None = None
    per_1k_output_tokens: int | None = None
    per_1k_characters: int | None = None
    per_second: int | None = None


OPTION_NAMES = {
    "size": gettext_lazy("the size"),
    "duration": gettext_lazy("the duration"),
    "aspect": gettext_lazy("the aspect ratio"),
    "voice": gettext_lazy("the voice"),
    "format": gettext_lazy("the format"),
}


@dataclass(frozen=True)
class PriceTable:
    read_on: date
    source: str
    models: dict
    currency: str = "USD"

    def price(self, model):
        try:
            return self.models[model]
        except KeyError:
            raise ValidationFailed(
                _("The model “%(model)s” has no published price: it cannot be used.") % {"model": model},
                code="model_not_priced",
            ) from None


@dataclass(frozen=True)
class Capability:
    """What a provider accepts for one kind. Empty option tuples mean "any value in range"."""

    models: tuple
    sizes: tuple = ()  # "WxH" for images (a model priced by size accepts only its priced sizes)
    max_count: int = 4
    durations: tuple = ()  # seconds, for video
    aspects: tuple = ()  # "16:9", ... for video
    voices: tuple = ()  # (id, label) pairs for audio
    formats: tuple = ()  # audio formats


@dataclass
class OutputFile:
    filename: str
    content: bytes
    content_type: str


@dataclass
class Result:
    files: list = field(default_factory=list)
    text: str = ""
    tokens_in: int = 0
    tokens_out: int = 0


def _scaled(quantity, micros_per_1k):
    """quantity × price per thousand, rounded half up, in whole micro-units."""
    return (quantity * micros_per_1k + 500) // 1000


class Provider(ABC):
    name = ""
    label = ""
    key_variable = ""  # the environment variable holding the key
    capabilities = {}  # kind -> Capability
    prices = None  # PriceTable

    def is_configured(self):
        return bool(conf.get(self.key_variable))

    def kinds(self):
        return list(self.capabilities)

    def capability(self, kind):
        try:
            return self.capabilities[kind]
        except KeyError:
            raise ValidationFailed(
                _("%(provider)s cannot generate %(kind)s.") % {"provider": self.label, "kind": kind},
                code="kind_not_supported",
                fields={"kind": [_("Not offered by this provider.")]},
            ) from None

    def validate(self, kind, model, params):
        """Refuse what this provider cannot do: an unknown or unpriced model, an unsupported option."""
        cap = self.capability(kind)
        if model not in cap.models:
            raise ValidationFailed(
                _("%(provider)s has no model “%(model)s” for %(kind)s.") % {"provider": self.label, "model": model, "kind": kind},
                code="unknown_model",
                fields={"model": [_("Unknown model.")]},
            )
        price = self.prices.price(model)
        size = f"{params.get('width')}x{params.get('height')}"
        if kind == "image" and isinstance(price.per_image, dict) and size not in price.per_image:
            choices = ", ".join(price.per_image)
            raise ValidationFailed(
                _("%(provider)s %(model)s makes images of %(choices)s only.")
                % {"provider": self.label, "model": model, "choices": choices},
                code="option_not_supported",
                fields={"size": [_("Choose one of %(choices)s.") % {"choices": choices}]},
            )
        checks = {
            "size": (cap.sizes, size if kind == "image" else None),
            "duration": (cap.durations, params.get("duration")),
            "aspect": (cap.aspects, params.get("aspect")),
            "voice": (tuple(v for v, _ in cap.voices), params.get("voice")),
            "format": (cap.formats, params.get("format")),
        }
        for name, (allowed, value) in checks.items():
            # An empty value asks for the provider's default (the voice, for one).
            if allowed and value not in (None, "") and value not in allowed:
                choices = ", ".join(str(a) for a in allowed)
                raise ValidationFailed(
                    _("%(provider)s %(model)s accepts only these values for %(option)s: %(choices)s.")
                    % {"provider": self.label, "model": model, "option": OPTION_NAMES[name], "choices": choices},
                    code="option_not_supported",
                    fields={name: [_("Choose one of %(choices)s.") % {"choices": choices}]},
                )
        if kind == "image" and params.get("count", 1) > cap.max_count:
            raise ValidationFailed(
                ngettext(
                    "%(provider)s %(model)s makes at most %(count)s image per job.",
                    "%(provider)s %(model)s makes at most %(count)s images per job.",
                    cap.max_count,
                )
                % {"provider": self.label, "model": model, "count": cap.max_count},
                code="option_not_supported",
                fields={"count": [_("Too many images.")]},
            )

    def default_voice(self, kind="audio"):
        cap = self.capabilities.get(kind)
        return cap.voices[0][0] if cap and cap.voices else ""

    def cost_micros(self, job, result):
        kind, params = job.kind, job.parameters
        price = self.prices.price(job.model)
        if kind == "image":
            per_image = price.per_image
            if isinstance(per_image, dict):
                per_image = per_image[f"{params['width']}x{params['height']}"]
            return per_image * params.get("count", 1)
        if kind == "chat":
            return _scaled(result.tokens_in, price.per_1k_input_tokens) + _scaled(result.tokens_out, price.per_1k_output_tokens)
        if kind == "audio":
            return _scaled(len(job.prompt), price.per_1k_characters)
        if kind == "video":
            return params["duration"] * price.per_second
        return 0

    @abstractmethod
    def run(self, job, report):
        """Generate the job's output (a Result). `report(percent)` records progress and raises
        JobCanceled once the job was canceled."""

    def describe(self):
        """The public description used by the providers API and the studio."""
        return {
            "name": self.name,
            "label": self.label,
            "configured": self.is_configured(),
            "kinds": {
                kind: {
                    "models": list(cap.models),
                    "sizes": list(cap.sizes),
                    "durations": list(cap.durations),
                    "aspects": list(cap.aspects),
                    "voices": [{"id": v, "label": label} for v, label in cap.voices],
                    "formats": list(cap.formats),
                }
                for kind, cap in self.capabilities.items()
            },
            "prices": {
                "currency": self.prices.currency,
                "read_on": self.prices.read_on.isoformat(),
                "source": self.prices.source,
                "models": {model: {k: v for k, v in vars(p).items() if v is not None} for model, p in self.prices.models.items()},
            },
        }
