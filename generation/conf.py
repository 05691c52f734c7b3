"""Generation settings, read from the environment at call time (so a key set later is seen).

Every variable, its default and meaning is listed in the README; a provider whose key is empty
is "not configured" and cannot be chosen.
"""

import environ

env = environ.Env()

DEFAULTS = {
    "OPENAI_API_KEY": "",
    "OPENAI_BASE_URL": "https://api.openai.com/v1",
    "STABILITY_API_KEY": "",
    "ELEVENLABS_API_KEY": "",
    "RUNWAY_API_KEY": "",
    "ANTHROPIC_API_KEY": "",
    "GEMINI_API_KEY": "",
    "MISTRAL_API_KEY": "",
    "GROQ_API_KEY": "",
    # A self-hosted OpenAI-compatible server (Ollama, vLLM, llama.cpp): its /v1 base URL, an
    # optional key, the models it serves (comma separated) and what a call costs us (usually 0).
    "OPENAI_COMPAT_BASE_URL": "",
    "OPENAI_COMPAT_API_KEY": "",
    "OPENAI_COMPAT_MODELS": "",
    "OPENAI_COMPAT_MICROS_PER_1K_TOKENS": "0",
    "GENERATION_HTTP_TIMEOUT": "60",
    "GENERATION_HTTP_ATTEMPTS": "4",
    # What one credit is worth in micro-USD, to show staff the margin of each job (cost vs charge).
    "GENERATION_CREDIT_VALUE_MICROS": "10000",
}


def get(name):
    return env.str(name, default=DEFAULTS[name]).strip()


def get_int(name):
    return int(get(name))


def get_list(name):
    return [item.strip() for item in get(name).split(",") if item.strip()]
