"""OpenAI: images (POST /v1/images/generations) and chat (POST /v1/chat/completions).

Auth: `Authorization: Bearer $OPENAI_API_KEY`. Images come back base64-encoded in
data[].b64_json (we never keep the provider's URL). dall-e-3 makes one image per request, so a
job asking for several sends several requests; gpt-image-1 takes `n`.
"""

import base64
from datetime import date

from generation import conf
from generation.providers import http
from generation.providers.base import Capability, ModelPrice, OutputFile, PriceTable, Provider, Result
from generation.providers.openai_compat import chat_completions, is_refusal

# Image models can take well over a minute for one picture.
IMAGE_TIMEOUT = 180

PRICES = PriceTable(
    read_on=date(2026, 11, 21),
    source="https://openai.com/api/pricing/",
    models={
        # Per image by size: dall-e-3 standard quality, gpt-image-1 medium quality.
        "dall-e-3": ModelPrice(per_image={"1024x1024": 40_000, "1792x1024": 80_000, "1024x1792": 80_000}),
        "gpt-image-1": ModelPrice(per_image={"1024x1024": 42_000, "1536x1024": 63_000, "1024x1536": 63_000}),
        # Per 1,000 tokens, input and output.
        "gpt-4o-mini": ModelPrice(per_1k_input_tokens=150, per_1k_output_tokens=600),
        "gpt-4.1-mini": ModelPrice(per_1k_input_tokens=400, per_1k_output_tokens=1_600),
        "gpt-4o": ModelPrice(per_1k_input_tokens=2_500, per_1k_output_tokens=10_000),
    },
)


class OpenAIProvider(Provider):
    name = "openai"
    label = "OpenAI"
    key_variable = "OPENAI_API_KEY"
    capabilities = {
        "image": Capability(
            models=("dall-e-3", "gpt-image-1"), sizes=("1024x1024", "1792x1024", "1024x1792", "1536x1024", "1024x1536")
        ),
        "chat": Capability(models=("gpt-4o-mini", "gpt-4.1-mini", "gpt-4o")),
    }
    prices = PRICES

    def _base(self):
        return conf.get("OPENAI_BASE_URL").rstrip("/")

    def _headers(self):
        return {"Authorization": f"Bearer {conf.get('OPENAI_API_KEY')}", "Content-Type": "application/json"}

    def run(self, job, report):
        if job.kind == "chat":
            return chat_completions(
                self,
                base_url=self._base(),
                key=conf.get("OPENAI_API_KEY"),
                job=job,
                report=report,
                max_tokens_field="max_completion_tokens",
            )
        return Result(files=self._images(job, report))

    def _images(self, job, report):
        params = job.parameters
        size = f"{params['width']}x{params['height']}"
        if job.model == "dall-e-3":
            requests = [
                {
                    "model": job.model,
                    "prompt": job.prompt,
                    "n": 1,
                    "size": size,
                    "quality": "standard",
                    "response_format": "b64_json",
                }
            ] * params["count"]
        else:
            requests = [{"model": job.model, "prompt": job.prompt, "n": params["count"], "size": size, "quality": "medium"}]
        files = []
        for index, body in enumerate(requests):
            report(10 + 80 * index // len(requests))
            data = http.request(
                self,
                "POST",
                f"{self._base()}/images/generations",
                headers=self._headers(),
                json=body,
                refusal=is_refusal,
                timeout=IMAGE_TIMEOUT,
            ).json()
            for item in data.get("data", []):
                content = base64.b64decode(item["b64_json"]) if item.get("b64_json") else http.fetch(self, item["url"])
                files.append(OutputFile(f"openai-{len(files) + 1}.png", content, "image/png"))
        return files


provider = OpenAIProvider()
