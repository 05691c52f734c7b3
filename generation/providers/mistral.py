"""Mistral chat: POST https://api.mistral.ai/v1/chat/completions (the Chat Completions shape),
`Authorization: Bearer $MISTRAL_API_KEY`, with `max_tokens`."""

from datetime import date

from generation import conf
from generation.providers.base import Capability, ModelPrice, PriceTable, Provider
from generation.providers.openai_compat import chat_completions

BASE_URL = "https://api.mistral.ai/v1"

PRICES = PriceTable(
    read_on=date(2026, 11, 21),
    source="https://mistral.ai/pricing#api-pricing",
    models={
        "mistral-small-latest": ModelPrice(per_1k_input_tokens=100, per_1k_output_tokens=300),
        "mistral-large-latest": ModelPrice(per_1k_input_tokens=2_000, per_1k_output_tokens=6_000),
    },
)


class MistralProvider(Provider):
    name = "mistral"
    label = "Mistral AI"
    key_variable = "MISTRAL_API_KEY"
    capabilities = {"chat": Capability(models=tuple(PRICES.models))}
    prices = PRICES

    def run(self, job, report):
        return chat_completions(self, base_url=BASE_URL, key=conf.get("MISTRAL_API_KEY"), job=job, report=report)


provider = MistralProvider()
