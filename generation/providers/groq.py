"""Groq chat: POST https://api.groq.com/openai/v1/chat/completions (the Chat Completions shape),
`Authorization: Bearer $GROQ_API_KEY`, with `max_completion_tokens`."""

from datetime import date

from generation import conf
from generation.providers.base import Capability, ModelPrice, PriceTable, Provider
from generation.providers.openai_compat import chat_completions

BASE_URL = "https://api.groq.com/openai/v1"

PRICES = PriceTable(
    read_on=date(2026, 11, 21),
    source="https://groq.com/pricing",
    models={
        "llama-3.1-8b-instant": ModelPrice(per_1k_input_tokens=50, per_1k_output_tokens=80),
        "llama-3.3-70b-versatile": ModelPrice(per_1k_input_tokens=590, per_1k_output_tokens=790),
    },
)


class GroqProvider(Provider):
    name = "groq"
    label = "Groq"
    key_variable = "GROQ_API_KEY"
    capabilities = {"chat": Capability(models=tuple(PRICES.models))}
    prices = PRICES

    def run(self, job, report):
        return chat_completions(
            self,
            base_url=BASE_URL,
            key=conf.get("GROQ_API_KEY"),
            job=job,
            report=report,
            max_tokens_field="max_completion_tokens",
        )


provider = GroqProvider()
