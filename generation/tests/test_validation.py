"""Bad input gets a clear error and changes nothing (no job, no ledger row)."""

import pytest

from core.errors import ValidationFailed
from generation import services
from generation.models import CreditEntry, GenerationJob


@pytest.fixture
def funded(organization):
    services.grant_credits(organization=organization, amount=50, reason="gift")
    return organization


@pytest.mark.parametrize(
    "overrides, code, field",
    [
        ({"kind": "hologram"}, "unknown_kind", "kind"),
        ({"provider": "skynet"}, "unknown_provider", "provider"),
        ({"model": "offline-picasso"}, "unknown_model", "model"),
        ({"provider": "openai", "model": "dall-e-3"}, "provider_not_configured", "provider"),
        ({"params": {"width": 10000, "height": 512}}, "validation_error", "width"),
        ({"params": {"width": "wide"}}, "validation_error", "width"),
        ({"params": {"count": 9}}, "validation_error", "count"),
        (
            {"kind": "ebook", "model": "offline-press", "params": {"title": "Book", "chapters": ["One"], "pages": 500}},
            "validation_error",
            "pages",
        ),
        (
            {"kind": "ebook", "model": "offline-press", "params": {"title": "", "chapters": ["One"], "pages": 5}},
            "validation_error",
            "title",
        ),
        (
            {"kind": "ebook", "model": "offline-press", "params": {"title": "Book", "chapters": [], "pages": 5}},
            "validation_error",
            "chapters",
        ),
        ({"kind": "video", "model": "offline-reel", "params": {"duration": 600}}, "validation_error", "duration"),
        ({"kind": "video", "model": "offline-reel", "params": {"aspect": "4:3"}}, "validation_error", "aspect"),
        ({"kind": "chat", "model": "offline-canvas", "params": {"max_tokens": 100000}}, "validation_error", "max_tokens"),
        ({"prompt": "   "}, "validation_error", "prompt"),
        ({"prompt": "x" * 4001}, "validation_error", "prompt"),
        ({"params": ["not", "an", "object"]}, "validation_error", "params"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(funded, user, overrides, code, field, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    arguments = {"kind": "image", "provider": "offline", "model": "offline-canvas", "prompt": "A red fox", "params": {}}
    arguments.update(overrides)
    with pytest.raises(ValidationFailed) as error:
        services.submit_job(organization=funded, user=user, **arguments)
    assert error.value.code == code
    assert field in error.value.fields
    assert error.value.message
    assert not GenerationJob.objects.exists()
    assert CreditEntry.objects.count() == 1


def test_a_model_without_a_credit_price_is_refused(funded, user):
    from generation.models import CreditPrice

    CreditPrice.objects.filter(model="offline-canvas").update(is_active=False)
    with pytest.raises(ValidationFailed) as error:
        services.submit_job(
            organization=funded, user=user, kind="image", provider="offline", model="offline-canvas", prompt="A fox", params={}
        )
    assert error.value.code == "model_not_priced"


def test_a_conversation_of_another_organization_is_not_found(funded, user, other_organization, monkeypatch):
    from core.errors import NotFound
    from generation.models import Conversation

    monkeypatch.setenv("GROQ_API_KEY", "gsk")
    theirs = Conversation.objects.create(
        organization=other_organization, title="Secret", provider="groq", model="llama-3.1-8b-instant"
    )
    with pytest.raises(NotFound):
        services.submit_job(
            organization=funded,
            user=user,
            kind="chat",
            provider="groq",
            model="llama-3.1-8b-instant",
            prompt="Hi",
            params={"conversation": theirs.pk},
        )
    assert not GenerationJob.objects.exists()


@pytest.mark.parametrize("amount", [0, -5, 1.5, "10", True])
def test_grant_credits_refuses_anything_but_a_positive_integer(organization, amount):
    with pytest.raises(ValidationFailed):
        services.grant_credits(organization=organization, amount=amount, reason="gift")
    assert not CreditEntry.objects.exists()
