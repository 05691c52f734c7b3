"""Anthropic chat: POST https://api.anthropic.com/v1/messages.

Headers `x-api-key` and `anthropic-version: 2023-06-01`; body {"model", "max_tokens",
"messages"}; the answer is content[] text blocks with usage.input_tokens / output_tokens.
stop_reason "refusal" means the model declined.
"""

from datetime import date

from django.utils.translation import gettext as _

from generation import conf
from generation.providers import http
from generation.providers.base import Capability, ContentRefused, ModelPrice, PriceTable, Provider, Result

URL = "https://api.anthropic.com/v1/messages"
API_VERSION = "2023-06-01"

PRICES = PriceTable(
    read_on=date(2026, 11, 21),
    source="https://www.anthropic.com/pricing#api",
    models={
        "claude-haiku-4-5": ModelPrice(per_1k_input_tokens=1_000, per_1k_output_tokens=5_000),
        "claude-sonnet-4-5": ModelPrice(per_1k_input_tokens=3_000, per_1k_output_tokens=15_000),
    },
)


class AnthropicProvider(Provider):
    name = "anthropic"
    label = "Anthropic"
    key_variable = "ANTHROPIC_API_KEY"
    capabilities = {"chat": Capability(models=tuple(PRICES.models))}
    prices = PRICES

    def run(self, job, report):
        headers = {
            "x-api-key": conf.get("ANTHROPIC_API_KEY"),
            "anthropic-version": API_VERSION,
            "content-type": "application/json",
        }
        body = {"model": job.model, "max_tokens": job.parameters["max_tokens"], "messages": job.parameters["messages"]}
        report(10)
        data = http.request(self, "POST", URL, headers=headers, json=body).json()
        if data.get("stop_reason") == "refusal":
            raise ContentRefused(_("Anthropic's model declined to answer this prompt."))
        text = "".join(block.get("text", "") for block in data.get("content", []) if block.get("type") == "text")
        usage = data.get("usage") or {}
        return Result(text=text, tokens_in=usage.get("input_tokens", 0), tokens_out=usage.get("output_tokens", 0))


provider = AnthropicProvider()
