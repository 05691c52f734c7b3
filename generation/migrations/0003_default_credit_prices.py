"""Starting credit prices for every model the providers offer (staff edit them in admin)."""

from django.db import migrations

# (kind, provider, model, credits per unit: image / page / 1,000 characters / second / 1,000 tokens)
DEFAULT_PRICES = [
    ("image", "offline", "offline-canvas", 1),
    ("ebook", "offline", "offline-press", 1),
    ("audio", "offline", "offline-espeak", 1),
    ("video", "offline", "offline-reel", 2),
    ("image", "openai", "dall-e-3", 6),
    ("image", "openai", "gpt-image-1", 6),
    ("chat", "openai", "gpt-4o-mini", 1),
    ("chat", "openai", "gpt-4.1-mini", 1),
    ("chat", "openai", "gpt-4o", 3),
    ("image", "stability", "stable-image-core", 4),
    ("image", "stability", "stable-image-ultra", 10),
    ("image", "stability", "sd3.5-large", 8),
    ("image", "stability", "sd3.5-medium", 5),
    ("audio", "elevenlabs", "eleven_multilingual_v2", 15),
    ("audio", "elevenlabs", "eleven_flash_v2_5", 8),
    ("video", "runway", "gen4.5", 15),
    ("chat", "anthropic", "claude-haiku-4-5", 2),
    ("chat", "anthropic", "claude-sonnet-4-5", 5),
    ("chat", "gemini", "gemini-2.5-flash-lite", 1),
    ("chat", "gemini", "gemini-2.5-flash", 1),
    ("chat", "gemini", "gemini-2.5-pro", 3),
    ("chat", "mistral", "mistral-small-latest", 1),
    ("chat", "mistral", "mistral-large-latest", 2),
    ("chat", "groq", "llama-3.1-8b-instant", 1),
    ("chat", "groq", "llama-3.3-70b-versatile", 1),
]


def add_prices(apps, schema_editor):
    CreditPrice = apps.get_model("generation", "CreditPrice")
    for kind, provider, model, credits in DEFAULT_PRICES:
        CreditPrice.objects.get_or_create(kind=kind, provider=provider, model=model, defaults={"credits": credits})


class Migration(migrations.Migration):
    dependencies = [("generation", "0002_job_credits_per_unit")]

    operations = [migrations.RunPython(add_prices, migrations.RunPython.noop)]
