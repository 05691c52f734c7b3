"""A generic OpenAI-compatible chat endpoint (Ollama, vLLM, llama.cpp server...), and the
Chat Completions call shared by every provider speaking that API (OpenAI, Mistral, Groq).

POST {base}/chat/completions with {"model", "messages", <max tokens field>} and a Bearer key;
the answer is choices[0].message.content with usage.prompt_tokens / completion_tokens.
"""

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from generation import conf
from generation.providers import http
from generation.providers.base import Capability, ContentRefused, ModelPrice, PriceTable, Provider, Result

REFUSAL_CODES = {"content_policy_violation", "content_filter"}


def is_refusal(response):
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return False
    return isinstance(error, dict) and error.get("code") in REFUSAL_CODES


def chat_completions(provider, *, base_url, key, job, report, max_tokens_field="max_tokens"):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    body = {"model": job.model, "messages": job.parameters["messages"], max_tokens_field: job.parameters["max_tokens"]}
    report(10)
    data = http.request(
        provider, "POST", f"{base_url.rstrip('/')}/chat/completions", headers=headers, json=body, refusal=is_refusal
    ).json()
    choice = (data.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    if message.get("refusal") or choice.get("finish_reason") == "content_filter":
        raise ContentRefused(
            _("%(provider)s refused this prompt: %(detail)s")
            % {"provider": provider.label, "detail": message.get("refusal") or _("content filter")}
        )
    usage = data.get("usage") or {}
    return Result(
        text=message.get("content") or "", tokens_in=usage.get("prompt_tokens", 0), tokens_out=usage.get("completion_tokens", 0)
    )


class OpenAICompatibleProvider(Provider):
    name = "openai_compat"
    label = gettext_lazy("OpenAI-compatible endpoint")
    key_variable = "OPENAI_COMPAT_BASE_URL"  # the URL is what makes it configured; the key is optional

    def is_configured(self):
        return bool(conf.get("OPENAI_COMPAT_BASE_URL") and conf.get_list("OPENAI_COMPAT_MODELS"))

    @property
    def capabilities(self):
        return {"chat": Capability(models=tuple(conf.get_list("OPENAI_COMPAT_MODELS")))}

    @property
    def prices(self):
        # Self-hosted: what a call costs us is set by the operator (usually 0), for every model it serves.
        micros = conf.get_int("OPENAI_COMPAT_MICROS_PER_1K_TOKENS")
        price = ModelPrice(per_1k_input_tokens=micros, per_1k_output_tokens=micros)
        return PriceTable(
            read_on=date(2026, 11, 21),
            source="OPENAI_COMPAT_MICROS_PER_1K_TOKENS (self-hosted)",
            models={model: price for model in conf.get_list("OPENAI_COMPAT_MODELS")},
        )

    def run(self, job, report):
        return chat_completions(
            self, base_url=conf.get("OPENAI_COMPAT_BASE_URL"), key=conf.get("OPENAI_COMPAT_API_KEY"), job=job, report=report
        )


provider = OpenAICompatibleProvider()
