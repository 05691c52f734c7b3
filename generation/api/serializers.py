from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from generation.models import Artifact, GenerationJob, JobStatus, Kind


def _inline_enum(choices):
    """A choice field documented by a pattern rather than an enum component, so it does not
    collide with other apps' "kind" and "status" enums in the schema."""
    values = [value for value, _ in choices]

    @extend_schema_field({"type": "string", "pattern": f"^({'|'.join(values)})$", "description": f"One of: {', '.join(values)}."})
    class InlineChoiceField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    return InlineChoiceField


KindField = _inline_enum(Kind.choices)
StatusField = _inline_enum(JobStatus.choices)


class ArtifactSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Artifact
        fields = ["id", "filename", "content_type", "size_bytes", "download_url"]

    def get_download_url(self, artifact) -> str:
        return f"{reverse('generation-api:job-download', args=[artifact.job_id])}?artifact={artifact.pk}"


class JobSerializer(serializers.ModelSerializer):
    kind = KindField(read_only=True)
    status = StatusField(read_only=True)
    artifacts = ArtifactSerializer(many=True, read_only=True)

    class Meta:
        model = GenerationJob
        fields = [
            "id",
            "kind",
            "provider",
            "model",
            "prompt",
            "parameters",
            "status",
            "progress",
            "prepaid",
            "credits_reserved",
            "credits_charged",
            "provider_cost_micros",
            "provider_currency",
            "result_text",
            "tokens_in",
            "tokens_out",
            "conversation",
            "artifacts",
            "error_code",
            "error_message",
            "queued_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class JobCreateSerializer(serializers.Serializer):
    """The body of POST generation/jobs/; `params` is checked per kind by the service."""

    kind = KindField()
    provider = serializers.CharField(max_length=40, default="offline")
    model = serializers.CharField(max_length=100)
    prompt = serializers.CharField(max_length=4000, trim_whitespace=True)
    params = serializers.DictField(required=False, default=dict)


class ProviderSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    configured = serializers.BooleanField()
    kinds = serializers.DictField(help_text="kind -> {models, sizes, durations, aspects, voices, formats}")
    prices = serializers.DictField(help_text="{currency, read_on, source, models: {model: price components in micro-units}}")
    credits = serializers.DictField(help_text="kind -> {model: credits per unit}")
    unavailable = serializers.DictField(required=False, help_text="kind -> why the offline provider cannot do it here")


class ProviderPageSerializer(serializers.Serializer):
    """The providers as a page (the API's list envelope), documented as such: the list is built
    from code, not a queryset, so the schema cannot derive it."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ProviderSerializer(many=True)


class CreditsSerializer(serializers.Serializer):
    """The credit ledger now: what the plan included this period, what was purchased, spent and is left."""

    balance = serializers.IntegerField(help_text="Credits left: included_left + purchased_left")
    included = serializers.IntegerField(help_text="Credits the plan included this period (0 when none are granted now)")
    included_used = serializers.IntegerField(source="included_spent", help_text="Of the included credits, those used")
    included_left = serializers.IntegerField()
    included_expires_at = serializers.DateTimeField(
        source="period_end", allow_null=True, help_text="When what is left of the included credits expires"
    )
    purchased_left = serializers.IntegerField(help_text="Purchased credits left (packs, add-ons): they never expire")
    spent = serializers.IntegerField(help_text="Credits jobs used this period (this month without plan credits), net of refunds")
    unlimited = serializers.BooleanField(help_text="The plan's credits are unlimited: jobs take none from the balance")
    at_zero = serializers.ChoiceField(
        choices=["refused", "unlimited"],
        help_text="What happens when the balance reaches zero: new jobs are refused (none, when the credits are unlimited)",
    )
    when_empty = serializers.CharField(help_text="The same, said for people, in the request's language")
