"""Studio forms, one per kind. They collect the input; the service validates and prices it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from generation import params as limits
from generation import providers, selectors
from generation.models import JobStatus, Kind, price_per_unit

ASPECT_CHOICES = [(a, a) for a in limits.ASPECTS]


def model_choices(kind, prices=None):
    """("provider/model", label with its price in credits) for every configured provider.
    `prices` is selectors.credit_prices() when the caller has already read them."""
    prices = selectors.credit_prices() if prices is None else prices
    choices = []
    for provider in providers.all_providers():
        if not provider.is_configured() or kind not in provider.capabilities:
            continue
        for model in provider.capabilities[kind].models:
            credits = prices.get((kind, provider.name, model))
            if credits:
                choices.append((f"{provider.name}/{model}", f"{provider.label} · {model}", credits))
    return choices


class ModelSelect(forms.Select):
    """Options carry their credit price (data-credits) so the page shows the total before submitting."""

    def __init__(self, prices=None, **kwargs):
        super().__init__(**kwargs)
        self.prices = prices or {}

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        option["attrs"]["data-credits"] = self.prices.get(value, 0)
        return option


class JobForm(forms.Form):
    kind = None
    engine = forms.ChoiceField(label=_("Provider and model"))
    prompt = forms.CharField(label=_("Prompt"), widget=forms.Textarea(attrs={"rows": 3}), max_length=limits.PROMPT_MAX_CHARS)

    def __init__(self, *args, prices=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = model_choices(self.kind, prices)
        prices = {value: credits for value, _label, credits in choices}
        self.fields["engine"].choices = [
            (value, f"{label} — {price_per_unit(credits, self.kind)}") for value, label, credits in choices
        ]
        self.fields["engine"].widget = ModelSelect(
            prices=prices, choices=self.fields["engine"].choices, attrs={"data-engine": ""}
        )

    def job_arguments(self):
        data = dict(self.cleaned_data)
        provider, model = data.pop("engine").split("/", 1)
        prompt = data.pop("prompt")
        return {"kind": self.kind, "provider": provider, "model": model, "prompt": prompt, "params": self.params(data)}

    def params(self, data):
        return {key: value for key, value in data.items() if value not in (None, "")}


class ImageForm(JobForm):
    kind = "image"
    kind_label, title = _("Image"), _("New image")
    width = forms.IntegerField(label=_("Width (pixels)"), min_value=64, max_value=2048, initial=1024)
    height = forms.IntegerField(label=_("Height (pixels)"), min_value=64, max_value=2048, initial=1024)
    count = forms.IntegerField(
        label=_("Images"), min_value=1, max_value=4, initial=1, widget=forms.NumberInput(attrs={"data-units": ""})
    )


class EbookForm(JobForm):
    kind = "ebook"
    kind_label, title = _("Ebook"), _("New ebook")
    title = forms.CharField(label=_("Title"), max_length=limits.TITLE_MAX_CHARS)
    chapters = forms.CharField(
        label=_("Chapters"), widget=forms.Textarea(attrs={"rows": 5}), help_text=_("One chapter title per line.")
    )
    pages = forms.IntegerField(
        label=_("Pages"), min_value=1, max_value=100, initial=12, widget=forms.NumberInput(attrs={"data-units": ""})
    )

    def params(self, data):
        return {**data, "chapters": data["chapters"].splitlines()}


class AudioForm(JobForm):
    kind = "audio"
    kind_label, title = _("Audio"), _("New audio")
    voice = forms.CharField(
        label=_("Voice"), required=False, max_length=64, help_text=_("Leave empty for the provider's default voice.")
    )
    format = forms.ChoiceField(label=_("Format"), choices=[(f, f.upper()) for f in limits.AUDIO_FORMATS])


class VideoForm(JobForm):
    kind = "video"
    kind_label, title = _("Video"), _("New video")
    duration = forms.IntegerField(
        label=_("Duration (seconds)"), min_value=1, max_value=10, initial=5, widget=forms.NumberInput(attrs={"data-units": ""})
    )
    aspect = forms.ChoiceField(label=_("Aspect ratio"), choices=ASPECT_CHOICES)


class ChatForm(JobForm):
    kind = "chat"
    kind_label, title = _("Chat"), _("New conversation")
    max_tokens = forms.IntegerField(label=_("Maximum tokens in the answer"), min_value=1, max_value=4096, initial=512)
    conversation = forms.IntegerField(required=False, widget=forms.HiddenInput)


FORMS = {form.kind: form for form in (ImageForm, EbookForm, AudioForm, VideoForm, ChatForm)}


def studio_forms(bound=None):
    """{kind: form} for the studio's tabs, `bound` (a submitted form) in its kind's place: the
    prices are read once for all of them."""
    prices = selectors.credit_prices()
    return {kind: bound if bound is not None and bound.kind == kind else form(prices=prices) for kind, form in FORMS.items()}


class GalleryFilter(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Kind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *JobStatus.choices]
