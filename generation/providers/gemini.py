"""Google Gemini chat: POST https://generativelanguage.googleapis.com/v1beta/models/{model}:generateContent.

Header `x-goog-api-key`; body {"contents": [{"role": "user"|"model", "parts": [{"text"}]}],
"generationConfig": {"maxOutputTokens"}}; the answer is candidates[0].content.parts[].text with
usageMetadata.promptTokenCount / candidatesTokenCount. A blocked prompt has
promptFeedback.blockReason; a blocked answer finishReason SAFETY (or similar). A bad key answers
400 with reason API_KEY_INVALID.
"""

from datetime import date

from django.utils.translation import gettext as _

from generation import conf
from generation.providers import http
from generation.providers.base import Capability, ContentRefused, ModelPrice, PriceTable, Provider, Result

BASE_URL = "https://generativelanguage.googleapis.com/v1beta/models"
BLOCKED_FINISH = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION"}

PRICES = PriceTable(
    read_on=date(2026, 11, 21),
    source="https://ai.google.dev/gemini-api/docs/pricing",
    models={
        "gemini-2.5-flash-lite": ModelPrice(per_1k_input_tokens=100, per_1k_output_tokens=400),
        "gemini-2.5-flash": ModelPrice(per_1k_input_tokens=300, per_1k_output_tokens=2_500),
        "gemini-2.5-pro": ModelPrice(per_1k_input_tokens=1_250, per_1k_output_tokens=10_000),
    },
)


def is_bad_key(response):
    return "API_KEY_INVALID" in response.text


class GeminiProvider(Provider):
    name = "gemini"
    label = "Google Gemini"
    key_variable = "GEMINI_API_KEY"
    capabilities = {"chat": Capability(models=tuple(PRICES.models))}
    prices = PRICES

    def run(self, job, report):
        contents = [
            {"role": "model" if m["role"] == "assistant" else "user", "parts": [{"text": m["content"]}]}
            for m in job.parameters["messages"]
        ]
        body = {"contents": contents, "generationConfig": {"maxOutputTokens": job.parameters["max_tokens"]}}
        headers = {"x-goog-api-key": conf.get("GEMINI_API_KEY"), "Content-Type": "application/json"}
        report(10)
        data = http.request(
            self, "POST", f"{BASE_URL}/{job.model}:generateContent", headers=headers, json=body, auth_failed=is_bad_key
        ).json()
        blocked = (data.get("promptFeedback") or {}).get("blockReason")
        candidate = (data.get("candidates") or [{}])[0]
        if blocked or candidate.get("finishReason") in BLOCKED_FINISH:
            raise ContentRefused(
                _("Google Gemini blocked this prompt (%(reason)s).") % {"reason": blocked or candidate.get("finishReason")}
            )
        text = "".join(part.get("text", "") for part in (candidate.get("content") or {}).get("parts", []))
        usage = data.get("usageMetadata") or {}
        return Result(text=text, tokens_in=usage.get("promptTokenCount", 0), tokens_out=usage.get("candidatesTokenCount", 0))


provider = GeminiProvider()
