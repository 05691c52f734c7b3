"""Each HTTP adapter against recorded responses (respx): the request it sends, the parsing of a
success, and the 429 / bad key / time-out cases through the shared retry loop."""

import base64
import io
import json
from dataclasses import dataclass, field

import httpx
import pytest
import respx
from PIL import Image

from core.errors import ValidationFailed
from generation import providers
from generation.models import GenerationJob
from generation.providers.base import ContentRefused, JobCanceled, ProviderAuthError, ProviderTimeout, RateLimited, Result


def png_bytes():
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return out.getvalue()


PNG = png_bytes()
MESSAGES = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello!"},
    {"role": "user", "content": "Name a colour"},
]
CHAT = {"max_tokens": 64, "messages": MESSAGES}
OPENAI_STYLE_ANSWER = {
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Blue."}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 21, "completion_tokens": 3, "total_tokens": 24},
}


@dataclass
class Case:
    provider: str
    env: dict
    kind: str
    model: str
    params: dict
    url: str
    answer: httpx.Response
    headers: dict
    body: dict = field(default_factory=dict)
    text: str = ""
    files: int = 0
    tokens: tuple = (0, 0)


CASES = {
    "openai-image": Case(
        "openai",
        {"OPENAI_API_KEY": "sk-test"},
        "image",
        "dall-e-3",
        {"width": 1024, "height": 1792, "count": 1},
        "https://api.openai.com/v1/images/generations",
        httpx.Response(200, json={"created": 1, "data": [{"b64_json": base64.b64encode(PNG).decode(), "revised_prompt": "x"}]}),
        {"authorization": "Bearer sk-test"},
        {
            "model": "dall-e-3",
            "prompt": "A fox",
            "n": 1,
            "size": "1024x1792",
            "quality": "standard",
            "response_format": "b64_json",
        },
        files=1,
    ),
    "openai-chat": Case(
        "openai",
        {"OPENAI_API_KEY": "sk-test"},
        "chat",
        "gpt-4o-mini",
        CHAT,
        "https://api.openai.com/v1/chat/completions",
        httpx.Response(200, json=OPENAI_STYLE_ANSWER),
        {"authorization": "Bearer sk-test"},
        {"model": "gpt-4o-mini", "messages": MESSAGES, "max_completion_tokens": 64},
        text="Blue.",
        tokens=(21, 3),
    ),
    "stability": Case(
        "stability",
        {"STABILITY_API_KEY": "sk-stab"},
        "image",
        "sd3.5-large",
        {"width": 1344, "height": 768, "count": 1},
        "https://api.stability.ai/v2beta/stable-image/generate/sd3",
        httpx.Response(200, content=PNG, headers={"content-type": "image/png", "finish-reason": "SUCCESS", "seed": "42"}),
        {"authorization": "Bearer sk-stab", "accept": "image/*"},
        files=1,
    ),
    "elevenlabs": Case(
        "elevenlabs",
        {"ELEVENLABS_API_KEY": "xi-key"},
        "audio",
        "eleven_flash_v2_5",
        {"voice": "JBFqnCBsd6RMkjVDRZzb", "format": "mp3"},
        "https://api.elevenlabs.io/v1/text-to-speech/JBFqnCBsd6RMkjVDRZzb?output_format=mp3_44100_128",
        httpx.Response(200, content=b"ID3fake-mp3-frames", headers={"content-type": "audio/mpeg"}),
        {"xi-api-key": "xi-key", "accept": "audio/mpeg"},
        {"text": "A fox", "model_id": "eleven_flash_v2_5"},
        files=1,
    ),
    "anthropic": Case(
        "anthropic",
        {"ANTHROPIC_API_KEY": "sk-ant"},
        "chat",
        "claude-haiku-4-5",
        CHAT,
        "https://api.anthropic.com/v1/messages",
        httpx.Response(
            200,
            json={
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude-haiku-4-5",
                "content": [{"type": "text", "text": "Blue."}],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": 19, "output_tokens": 4},
            },
        ),
        {"x-api-key": "sk-ant", "anthropic-version": "2023-06-01"},
        {"model": "claude-haiku-4-5", "max_tokens": 64, "messages": MESSAGES},
        text="Blue.",
        tokens=(19, 4),
    ),
    "gemini": Case(
        "gemini",
        {"GEMINI_API_KEY": "g-key"},
        "chat",
        "gemini-2.5-flash",
        CHAT,
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
        httpx.Response(
            200,
            json={
                "candidates": [{"content": {"role": "model", "parts": [{"text": "Blue."}]}, "finishReason": "STOP"}],
                "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 2, "totalTokenCount": 14},
            },
        ),
        {"x-goog-api-key": "g-key"},
        {
            "contents": [
                {"role": "user", "parts": [{"text": "Hi"}]},
                {"role": "model", "parts": [{"text": "Hello!"}]},
                {"role": "user", "parts": [{"text": "Name a colour"}]},
            ],
            "generationConfig": {"maxOutputTokens": 64},
        },
        text="Blue.",
        tokens=(12, 2),
    ),
    "mistral": Case(
        "mistral",
        {"MISTRAL_API_KEY": "m-key"},
        "chat",
        "mistral-small-latest",
        CHAT,
        "https://api.mistral.ai/v1/chat/completions",
        httpx.Response(200, json=OPENAI_STYLE_ANSWER),
        {"authorization": "Bearer m-key"},
        {"model": "mistral-small-latest", "messages": MESSAGES, "max_tokens": 64},
        text="Blue.",
        tokens=(21, 3),
    ),
    "groq": Case(
        "groq",
        {"GROQ_API_KEY": "gsk"},
        "chat",
        "llama-3.1-8b-instant",
        CHAT,
        "https://api.groq.com/openai/v1/chat/completions",
        httpx.Response(200, json=OPENAI_STYLE_ANSWER),
        {"authorization": "Bearer gsk"},
        {"model": "llama-3.1-8b-instant", "messages": MESSAGES, "max_completion_tokens": 64},
        text="Blue.",
        tokens=(21, 3),
    ),
    "openai_compat": Case(
        "openai_compat",
        {
            "OPENAI_COMPAT_BASE_URL": "http://llm.local:11434/v1",
            "OPENAI_COMPAT_MODELS": "llama3.1:8b",
            "OPENAI_COMPAT_API_KEY": "local",
        },
        "chat",
        "llama3.1:8b",
        CHAT,
        "http://llm.local:11434/v1/chat/completions",
        httpx.Response(200, json=OPENAI_STYLE_ANSWER),
        {"authorization": "Bearer local"},
        {"model": "llama3.1:8b", "messages": MESSAGES, "max_tokens": 64},
        text="Blue.",
        tokens=(21, 3),
    ),
    "runway": Case(
        "runway",
        {"RUNWAY_API_KEY": "rw-key"},
        "video",
        "gen4.5",
        {"duration": 5, "aspect": "9:16"},
        "https://api.dev.runwayml.com/v1/text_to_video",
        httpx.Response(200, json={"id": "task-1"}),
        {"authorization": "Bearer rw-key", "x-runway-version": "2024-11-06"},
        {"model": "gen4.5", "promptText": "A fox", "ratio": "720:1280", "duration": 5},
        files=1,
    ),
}


def make_job(case):
    return GenerationJob(pk=1, kind=case.kind, provider=case.provider, model=case.model, prompt="A fox", parameters=case.params)


@pytest.fixture
def configure(monkeypatch):
    def apply(case):
        for name, value in case.env.items():
            monkeypatch.setenv(name, value)
        return providers.get(case.provider)

    return apply


def mock_followups(case, mock):
    """Runway is submit-then-poll: the task runs once, then succeeds with a URL we download."""
    if case.provider == "runway":
        mock.get("https://api.dev.runwayml.com/v1/tasks/task-1").mock(
            side_effect=[
                httpx.Response(200, json={"id": "task-1", "status": "RUNNING", "progress": 0.5}),
                httpx.Response(
                    200,
                    json={"id": "task-1", "status": "SUCCEEDED", "output": ["https://dnznrvs05pmza.cloudfront.net/v.mp4?_jwt=x"]},
                ),
            ]
        )
        mock.get("https://dnznrvs05pmza.cloudfront.net/v.mp4?_jwt=x").respond(
            200, content=b"\x00\x00\x00\x18ftypmp42", headers={"content-type": "video/mp4"}
        )


@pytest.mark.parametrize("name", CASES)
def test_request_sent_and_success_parsed(name, configure, no_backoff_sleep):
    case = CASES[name]
    provider = configure(case)
    progress = []
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(case.url).mock(return_value=case.answer)
        mock_followups(case, mock)
        result = provider.run(make_job(case), progress.append)
    request = route.calls[0].request
    for header, value in case.headers.items():
        assert request.headers[header] == value
    if case.body:
        assert json.loads(request.content) == case.body
    assert isinstance(result, Result)
    assert len(result.files) == case.files
    assert (result.text, (result.tokens_in, result.tokens_out)) == (case.text, case.tokens)
    assert progress, "the provider reports progress"


def test_stability_sends_multipart_fields(configure):
    case = CASES["stability"]
    provider = configure(case)
    with respx.mock() as mock:
        route = mock.post(case.url).mock(return_value=case.answer)
        provider.run(make_job(case), lambda p: None)
    request = route.calls[0].request
    assert request.headers["content-type"].startswith("multipart/form-data")
    body = request.content.decode()
    for field_name, value in (("prompt", "A fox"), ("aspect_ratio", "16:9"), ("output_format", "png"), ("model", "sd3.5-large")):
        assert f'name="{field_name}"\r\n\r\n{value}\r\n' in body


def test_runway_polls_then_copies_the_video(configure, no_backoff_sleep):
    case = CASES["runway"]
    provider = configure(case)
    progress = []
    with respx.mock() as mock:
        mock.post(case.url).mock(return_value=case.answer)
        mock_followups(case, mock)
        result = provider.run(make_job(case), progress.append)
    assert result.files[0].content.startswith(b"\x00\x00\x00\x18ftyp")
    assert progress == [50] and no_backoff_sleep == [5]


def test_runway_cancel_deletes_the_task(configure):
    case = CASES["runway"]
    provider = configure(case)

    def report(percent):
        raise JobCanceled(1)

    with respx.mock() as mock:
        mock.post(case.url).mock(return_value=case.answer)
        mock.get("https://api.dev.runwayml.com/v1/tasks/task-1").respond(200, json={"id": "task-1", "status": "PENDING"})
        delete = mock.delete("https://api.dev.runwayml.com/v1/tasks/task-1").respond(204)
        with pytest.raises(JobCanceled):
            provider.run(make_job(case), report)
    assert delete.called


@pytest.mark.parametrize("name", CASES)
def test_rate_limit_is_retried_honouring_retry_after_then_reported(name, configure, no_backoff_sleep):
    case = CASES[name]
    provider = configure(case)
    with respx.mock() as mock:
        route = mock.post(case.url).respond(429, json={"error": {"message": "Rate limit reached"}}, headers={"Retry-After": "7"})
        with pytest.raises(RateLimited) as error:
            provider.run(make_job(case), lambda p: None)
    assert route.call_count == 4
    assert no_backoff_sleep == [7, 7, 7]
    # Raised outside any request: the worker's default language, French.
    assert error.value.message == f"{provider.label} est saturé\u00a0; réessayez dans quelques minutes."


@pytest.mark.parametrize("name", CASES)
def test_bad_key_is_not_retried(name, configure, no_backoff_sleep):
    case = CASES[name]
    provider = configure(case)
    with respx.mock() as mock:
        route = mock.post(case.url).respond(401, json={"error": {"message": "Incorrect API key provided"}})
        with pytest.raises(ProviderAuthError) as error:
            provider.run(make_job(case), lambda p: None)
    assert route.call_count == 1 and no_backoff_sleep == []
    # The customer learns the service is unavailable; which key failed is for staff (the log).
    assert error.value.code == "provider_auth_failed" and str(provider.label) in error.value.message
    assert "API" not in error.value.message and (not provider.key_variable or provider.key_variable not in error.value.message)


@pytest.mark.parametrize("name", CASES)
def test_timeout_is_retried_with_backoff_then_reported(name, configure, no_backoff_sleep):
    case = CASES[name]
    provider = configure(case)
    with respx.mock() as mock:
        route = mock.post(case.url).mock(side_effect=httpx.ReadTimeout("slow"))
        with pytest.raises(ProviderTimeout):
            provider.run(make_job(case), lambda p: None)
    assert route.call_count == 4
    assert no_backoff_sleep == [2, 4, 8]


def test_server_error_then_success_is_retried(configure, no_backoff_sleep):
    case = CASES["mistral"]
    provider = configure(case)
    with respx.mock() as mock:
        mock.post(case.url).mock(side_effect=[httpx.Response(503, json={"message": "busy"}), case.answer])
        result = provider.run(make_job(case), lambda p: None)
    assert result.text == "Blue." and no_backoff_sleep == [2]


def test_gemini_bad_key_answers_400_and_is_an_auth_error(configure, no_backoff_sleep):
    case = CASES["gemini"]
    provider = configure(case)
    body = {
        "error": {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT",
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}],
        }
    }
    with respx.mock() as mock:
        mock.post(case.url).respond(400, json=body)
        with pytest.raises(ProviderAuthError):
            provider.run(make_job(case), lambda p: None)


@pytest.mark.parametrize(
    "name, answer",
    [
        (
            "openai-image",
            httpx.Response(400, json={"error": {"code": "content_policy_violation", "message": "Your request was rejected"}}),
        ),
        ("stability", httpx.Response(403, json={"name": "content_moderation", "errors": ["Your request was flagged"]})),
        ("stability", httpx.Response(200, content=PNG, headers={"finish-reason": "CONTENT_FILTERED"})),
        (
            "anthropic",
            httpx.Response(200, json={"content": [], "stop_reason": "refusal", "usage": {"input_tokens": 5, "output_tokens": 0}}),
        ),
        (
            "gemini",
            httpx.Response(200, json={"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 5}}),
        ),
        (
            "openai-chat",
            httpx.Response(
                200, json={"choices": [{"message": {"content": None, "refusal": "I can't help"}, "finish_reason": "stop"}]}
            ),
        ),
    ],
)
def test_content_refusal_is_reported_and_not_retried(name, answer, configure, no_backoff_sleep):
    case = CASES[name]
    provider = configure(case)
    with respx.mock() as mock:
        route = mock.post(case.url).mock(return_value=answer)
        with pytest.raises(ContentRefused) as error:
            provider.run(make_job(case), lambda p: None)
    assert route.call_count == 1 and error.value.code == "content_refused"


def test_runway_safety_failure_is_a_refusal(configure, no_backoff_sleep):
    case = CASES["runway"]
    provider = configure(case)
    with respx.mock() as mock:
        mock.post(case.url).mock(return_value=case.answer)
        mock.get("https://api.dev.runwayml.com/v1/tasks/task-1").respond(
            200, json={"id": "task-1", "status": "FAILED", "failure": "Prompt flagged", "failureCode": "SAFETY.INPUT.TEXT"}
        )
        with pytest.raises(ContentRefused):
            provider.run(make_job(case), lambda p: None)


@pytest.mark.parametrize(
    "name, micros",
    [
        ("openai-image", 80_000),  # dall-e-3 1024x1792 standard: $0.08
        ("openai-chat", 21 * 150 // 1000 + (3 * 600 + 500) // 1000),  # gpt-4o-mini per 1k tokens, half up
        ("stability", 65_000),  # sd3.5-large: 6.5 credits of $0.01
        ("elevenlabs", 250),  # 5 characters at $0.05 per 1,000
        ("runway", 600_000),  # 5 s at $0.12
        ("anthropic", (19 * 1_000 + 500) // 1000 + (4 * 5_000 + 500) // 1000),
    ],
)
def test_cost_comes_from_the_published_price_table(name, micros, configure):
    case = CASES[name]
    provider = configure(case)
    result = Result(tokens_in=case.tokens[0], tokens_out=case.tokens[1])
    assert provider.cost_micros(make_job(case), result) == micros
    assert provider.prices.read_on and provider.prices.source.startswith(("http", "OPENAI_COMPAT"))


def test_a_model_missing_from_the_price_table_is_refused(configure):
    provider = configure(CASES["openai-chat"])
    with pytest.raises(ValidationFailed) as error:
        provider.validate("chat", "gpt-3.5-turbo", {"max_tokens": 10})
    assert error.value.code == "unknown_model"
    with pytest.raises(ValidationFailed) as error:
        provider.prices.price("gpt-3.5-turbo")
    assert error.value.code == "model_not_priced"


def test_unsupported_size_is_refused(configure):
    provider = configure(CASES["openai-image"])
    with pytest.raises(ValidationFailed) as error:
        provider.validate("image", "dall-e-3", {"width": 512, "height": 512, "count": 1})
    assert error.value.fields["size"]


def test_provider_without_key_is_not_choosable(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ValidationFailed) as error:
        providers.choosable("openai")
    assert error.value.code == "provider_not_configured"
    assert providers.choosable("offline").name == "offline"
