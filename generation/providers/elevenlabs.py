"""ElevenLabs text to speech: POST https://api.elevenlabs.io/v1/text-to-speech/{voice_id}.

Auth header `xi-api-key`; JSON body {"text", "model_id"}; `output_format` in the query string;
the answer is the audio bytes. Priced per character of text.
"""

from datetime import date

from generation import conf
from generation.providers import http
from generation.providers.base import Capability, ModelPrice, OutputFile, PriceTable, Provider, Result

BASE_URL = "https://api.elevenlabs.io/v1"
# Premade voices every account has.
VOICES = (
    ("21m00Tcm4TlvDq8ikWAM", "Rachel"),
    ("JBFqnCBsd6RMkjVDRZzb", "George"),
    ("EXAVITQu4vr4xnSDxMaL", "Sarah"),
    ("pNInz6obpgDQGcFmaJgB", "Adam"),
)

PRICES = PriceTable(
    read_on=date(2026, 11, 21),
    source="https://elevenlabs.io/pricing/api",
    models={
        "eleven_multilingual_v2": ModelPrice(per_1k_characters=100_000),
        "eleven_flash_v2_5": ModelPrice(per_1k_characters=50_000),
    },
)


class ElevenLabsProvider(Provider):
    name = "elevenlabs"
    label = "ElevenLabs"
    key_variable = "ELEVENLABS_API_KEY"
    capabilities = {"audio": Capability(models=tuple(PRICES.models), voices=VOICES, formats=("mp3",))}
    prices = PRICES

    def run(self, job, report):
        voice = job.parameters.get("voice") or self.default_voice()
        report(10)
        response = http.request(
            self,
            "POST",
            f"{BASE_URL}/text-to-speech/{voice}",
            params={"output_format": "mp3_44100_128"},
            headers={"xi-api-key": conf.get("ELEVENLABS_API_KEY"), "Content-Type": "application/json", "Accept": "audio/mpeg"},
            json={"text": job.prompt, "model_id": job.model},
        )
        return Result(files=[OutputFile("elevenlabs-speech.mp3", response.content, "audio/mpeg")])


provider = ElevenLabsProvider()
