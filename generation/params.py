"""Validation of a job's prompt and parameters, per kind, before anything is written.

Returns the normalized parameters (defaults filled in) or raises ValidationFailed naming each
bad field. The limits are the platform's; a provider may accept less (see Provider.validate).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ValidationFailed

PROMPT_MAX_CHARS = 4000
LIMITS = {
    "image_side": (64, 2048),
    "image_count": (1, 4),
    "ebook_pages": (1, 100),
    "ebook_chapters": (1, 30),
    "video_duration": (1, 10),
    "chat_max_tokens": (1, 4096),
}
ASPECTS = ("16:9", "9:16", "1:1")
AUDIO_FORMATS = ("mp3", "wav")
TITLE_MAX_CHARS = 200


class _Errors(dict):
    def add(self, name, message):
        self.setdefault(name, []).append(message)


def _int(params, name, default, bounds, errors, label):
    value = params.get(name, default)
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        errors.add(name, _("%(field)s must be a whole number.") % {"field": label})
        return default
    value = int(value)
    if not low <= value <= high:
        errors.add(name, _("%(field)s must be between %(low)s and %(high)s.") % {"field": label, "low": low, "high": high})
    return value


def _text(params, name, default, errors, label, *, required=False, max_chars=TITLE_MAX_CHARS):
    value = params.get(name, default)
    if not isinstance(value, str):
        errors.add(name, _("%(field)s must be text.") % {"field": label})
        return default
    value = value.strip()
    if required and not value:
        errors.add(name, _("%(field)s is required.") % {"field": label})
    if len(value) > max_chars:
        errors.add(name, _("%(field)s is limited to %(count)s characters.") % {"field": label, "count": max_chars})
    return value


def _image(params, errors):
    return {
        "width": _int(params, "width", 1024, LIMITS["image_side"], errors, gettext_lazy("The width")),
        "height": _int(params, "height", 1024, LIMITS["image_side"], errors, gettext_lazy("The height")),
        "count": _int(params, "count", 1, LIMITS["image_count"], errors, gettext_lazy("The number of images")),
    }


def _ebook(params, errors):
    title = _text(params, "title", "", errors, gettext_lazy("The title"), required=True)
    chapters = params.get("chapters", [])
    if isinstance(chapters, str):
        chapters = chapters.splitlines()
    if not isinstance(chapters, list) or not all(isinstance(c, str) for c in chapters):
        errors.add("chapters", _("Chapters must be a list of chapter titles."))
        chapters = []
    chapters = [c.strip() for c in chapters if c.strip()]
    low, high = LIMITS["ebook_chapters"]
    if not low <= len(chapters) <= high:
        errors.add("chapters", _("Give between %(low)s and %(high)s chapter titles.") % {"low": low, "high": high})
    if any(len(c) > TITLE_MAX_CHARS for c in chapters):
        errors.add("chapters", _("A chapter title is limited to %(count)s characters.") % {"count": TITLE_MAX_CHARS})
    pages = _int(params, "pages", max(len(chapters), 1) * 2, LIMITS["ebook_pages"], errors, gettext_lazy("The number of pages"))
    if isinstance(pages, int) and chapters and pages < len(chapters):
        errors.add("pages", _("Give at least one page per chapter."))
    return {"title": title, "chapters": chapters, "pages": pages}


def _audio(params, errors):
    fmt = params.get("format", "mp3")
    if fmt not in AUDIO_FORMATS:
        errors.add("format", _("The format must be one of %(choices)s.") % {"choices": ", ".join(AUDIO_FORMATS)})
    return {"voice": _text(params, "voice", "", errors, gettext_lazy("The voice"), max_chars=64), "format": fmt}


def _video(params, errors):
    aspect = params.get("aspect", "16:9")
    if aspect not in ASPECTS:
        errors.add("aspect", _("The aspect ratio must be one of %(choices)s.") % {"choices": ", ".join(ASPECTS)})
    duration = _int(params, "duration", 5, LIMITS["video_duration"], errors, gettext_lazy("The duration in seconds"))
    return {"duration": duration, "aspect": aspect}


def _chat(params, errors):
    label = gettext_lazy("The maximum number of tokens")
    cleaned = {"max_tokens": _int(params, "max_tokens", 512, LIMITS["chat_max_tokens"], errors, label)}
    conversation = params.get("conversation")
    if conversation not in (None, ""):
        if not str(conversation).isdigit():
            errors.add("conversation", _("Unknown conversation."))
        else:
            cleaned["conversation"] = int(conversation)
    return cleaned


VALIDATORS = {"image": _image, "ebook": _ebook, "audio": _audio, "video": _video, "chat": _chat}


def validate(kind, prompt, params):
    """(prompt, params) cleaned, or ValidationFailed listing every problem at once."""
    if kind not in VALIDATORS:
        raise ValidationFailed(
            _("Unknown kind “%(kind)s”.") % {"kind": kind},
            code="unknown_kind",
            fields={"kind": [_("Choose one of %(choices)s.") % {"choices": ", ".join(VALIDATORS)}]},
        )
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ValidationFailed(_("Parameters must be an object."), fields={"params": [_("Must be an object.")]})
    errors = _Errors()
    prompt = _text(
        {"prompt": prompt}, "prompt", "", errors, gettext_lazy("The prompt"), required=True, max_chars=PROMPT_MAX_CHARS
    )
    cleaned = VALIDATORS[kind](params, errors)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, fields=dict(errors))
    return prompt, cleaned


def quantity(kind, params, prompt):
    """How many priced units a job uses (see CreditPrice.UNIT_BY_KIND); chat counts its ceiling."""
    if kind == "image":
        return params["count"]
    if kind == "ebook":
        return params["pages"]
    if kind == "audio":
        return -(-len(prompt) // 1000)
    if kind == "video":
        return params["duration"]
    return -(-(estimate_tokens(prompt) + params["max_tokens"]) // 1000)


def estimate_tokens(text):
    """A token estimate on the high side (three characters per token) for reserving credits."""
    return -(-len(text) // 3)


def memory_mb(kind, params):
    """What generating this needs in memory, roughly, to hold it to the plan's per-job limit."""
    if kind == "image":
        return 32 + params["width"] * params["height"] * 4 * 3 // 2**20
    if kind == "video":
        return 160
    if kind == "ebook":
        return 96 + params["pages"]
    return 48
