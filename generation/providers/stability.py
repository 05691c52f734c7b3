"""Stability AI images: POST https://api.stability.ai/v2beta/stable-image/generate/{core|ultra|sd3}.

Auth `Authorization: Bearer $STABILITY_API_KEY`; the body is multipart/form-data (prompt,
aspect_ratio, output_format, and `model` for sd3); with `Accept: image/*` the answer is the
image itself. One image per request. A moderated prompt answers 403 with name
"content_moderation"; a filtered output answers 200 with the header finish-reason CONTENT_FILTERED.
"""

from datetime import date

from django.utils.translation import gettext as _

from generation import conf
from generation.providers import http
from generation.providers.base import Capability, ContentRefused, ModelPrice, OutputFile, PriceTable, Provider, Result

BASE_URL = "https://api.stability.ai/v2beta/stable-image/generate"
# Stability takes an aspect ratio; these are the pixel sizes its models return for each.
ASPECT_BY_SIZE = {"1024x1024": "1:1", "1344x768": "16:9", "768x1344": "9:16", "1216x832": "3:2", "832x1216": "2:3"}
ENDPOINT = {"stable-image-core": "core", "stable-image-ultra": "ultra", "sd3.5-large": "sd3", "sd3.5-medium": "sd3"}


def _per_size(micros):
    return dict.fromkeys(ASPECT_BY_SIZE, micros)


PRICES = PriceTable(
    read_on=date(2026, 11, 21),
    source="https://platform.stability.ai/pricing (1 credit = $0.01)",
    models={
        "stable-image-core": ModelPrice(per_image=_per_size(30_000)),
        "stable-image-ultra": ModelPrice(per_image=_per_size(80_000)),
        "sd3.5-large": ModelPrice(per_image=_per_size(65_000)),
        "sd3.5-medium": ModelPrice(per_image=_per_size(35_000)),
    },
)


def is_refusal(response):
    try:
        return response.json().get("name") == "content_moderation"
    except (ValueError, AttributeError):
        return False


class StabilityProvider(Provider):
    name = "stability"
    label = "Stability AI"
    key_variable = "STABILITY_API_KEY"
    capabilities = {"image": Capability(models=tuple(PRICES.models), sizes=tuple(ASPECT_BY_SIZE))}
    prices = PRICES

    def run(self, job, report):
        params = job.parameters
        fields = {
            "prompt": job.prompt,
            "aspect_ratio": ASPECT_BY_SIZE[f"{params['width']}x{params['height']}"],
            "output_format": "png",
        }
        if ENDPOINT[job.model] == "sd3":
            fields["model"] = job.model
        headers = {"Authorization": f"Bearer {conf.get('STABILITY_API_KEY')}", "Accept": "image/*"}
        files = []
        for index in range(params["count"]):
            report(10 + 80 * index // params["count"])
            response = http.request(
                self,
                "POST",
                f"{BASE_URL}/{ENDPOINT[job.model]}",
                headers=headers,
                files={name: (None, str(value)) for name, value in fields.items()},
                refusal=is_refusal,
            )
            if response.headers.get("finish-reason") == "CONTENT_FILTERED":
                raise ContentRefused(_("Stability AI filtered the image generated for this prompt."))
            files.append(OutputFile(f"stability-{index + 1}.png", response.content, "image/png"))
        return Result(files=files)


provider = StabilityProvider()
