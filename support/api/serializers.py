from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from support import conf
from support.models import RELATED_MODELS, Category, Priority, Ticket, TicketAttachment, TicketMessage


class StrictMixin:
    """Unknown fields are an error: a customer sending `assignee` or `status` is told, not ignored."""

    def to_internal_value(self, data):
        keys = set(data.keys()) if hasattr(data, "keys") else set()
        unknown = sorted(keys - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: [_("This field cannot be set here.")] for name in unknown})
        return super().to_internal_value(data)


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = TicketAttachment
        fields = ["id", "name", "content_type", "size", "download_url"]

    def get_download_url(self, attachment) -> str:
        return reverse("support-attachment-download", args=[attachment.pk])


class MessageSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TicketMessage
        fields = ["id", "author_type", "author_name", "body", "body_html", "created_at", "attachments"]


class RelatedSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="order, invoice or generation_job (the values of related_type)")
    id = serializers.IntegerField()
    label = serializers.CharField()


class TicketSerializer(serializers.ModelSerializer):
    related = serializers.SerializerMethodField()
    follow_up_of = serializers.SlugRelatedField(slug_field="number", read_only=True)
    can_reopen = serializers.BooleanField(read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "subject",
            "category",
            "priority",
            "status",
            "related",
            "follow_up_of",
            "created_at",
            "updated_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "satisfaction_rating",
            "satisfaction_comment",
            "can_reopen",
        ]

    @extend_schema_field(RelatedSerializer(allow_null=True))
    def get_related(self, ticket):
        if ticket.related_type_id is None:
            return None
        return {"type": ticket.related_kind, "id": ticket.related_id, "label": str(ticket.related)}


class TicketDetailSerializer(TicketSerializer):
    messages = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "messages"]

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, ticket):
        # Customers' API: public messages only, never internal notes.
        public = ticket.messages.filter(is_internal=False).select_related("author").prefetch_related("attachments")
        return MessageSerializer(public, many=True).data


class _Attachments(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(child=serializers.FileField(), required=False, max_length=conf.MAX_ATTACHMENTS, **kwargs)


class TicketCreateSerializer(StrictMixin, serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20_000)
    category = serializers.ChoiceField(choices=Category.choices, default=Category.GENERAL)
    priority = serializers.ChoiceField(
        choices=Priority.choices, default=Priority.NORMAL, help_text="low, normal or high; urgent is for agents."
    )
    related_type = serializers.ChoiceField(choices=list(RELATED_MODELS), required=False)
    related_id = serializers.IntegerField(required=False, min_value=1)
    follow_up_of = serializers.IntegerField(required=False, min_value=1, help_text="Id of a closed ticket this one follows.")
    attachments = _Attachments()


class TicketUpdateSerializer(StrictMixin, serializers.Serializer):
    subject = serializers.CharField(max_length=200, required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)


class MessageCreateSerializer(StrictMixin, serializers.Serializer):
    body = serializers.CharField(max_length=20_000)
    attachments = _Attachments()


class RatingSerializer(StrictMixin, serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class StatsQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, data):
        date_to = data.get("date_to") or timezone.localdate()
        date_from = data.get("date_from") or date_to - timedelta(days=29)
        if date_to < date_from:
            raise serializers.ValidationError({"date_to": [_("The end date is before the start date.")]})
        if (date_to - date_from).days > 366:
            raise serializers.ValidationError({"date_from": [_("Ask for one year at most.")]})
        return {"date_from": date_from, "date_to": date_to}


class DurationSummarySerializer(serializers.Serializer):
    average = serializers.IntegerField(allow_null=True, help_text="seconds")
    median = serializers.IntegerField(allow_null=True, help_text="seconds")


class SLAComplianceSerializer(serializers.Serializer):
    first_response_met_percent = serializers.FloatField(allow_null=True)
    resolution_met_percent = serializers.FloatField(allow_null=True)


class SatisfactionSerializer(serializers.Serializer):
    average = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField()


class _StatsBlock(serializers.Serializer):
    first_response_seconds = DurationSummarySerializer()
    resolution_seconds = DurationSummarySerializer()
    sla = SLAComplianceSerializer()
    satisfaction = SatisfactionSerializer()


class AgentStatsSerializer(_StatsBlock):
    agent_id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    assigned = serializers.IntegerField()
    resolved = serializers.IntegerField()


class StatsSerializer(_StatsBlock):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_category = serializers.DictField(child=serializers.IntegerField())
    by_priority = serializers.DictField(child=serializers.IntegerField())
    agents = AgentStatsSerializer(many=True)


class ContactSerializer(StrictMixin, serializers.Serializer):
    name = serializers.CharField(max_length=120)
    email = serializers.EmailField()
    subject = serializers.CharField(max_length=200)
    message = serializers.CharField(max_length=20_000)
    website = serializers.CharField(required=False, allow_blank=True, default="", help_text="Leave empty (spam trap).")


class ContactReceivedSerializer(serializers.Serializer):
    detail = serializers.CharField()
