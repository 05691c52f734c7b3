from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from usage.models import AddonPurchase, AddonType, Metric, UsageRecord


class MetricUsageSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=Metric.choices)
    label = serializers.CharField()
    used = serializers.IntegerField()
    limit = serializers.IntegerField(allow_null=True, help_text="Plan + active add-ons; null = unlimited")
    percent = serializers.IntegerField(allow_null=True)
    level = serializers.ChoiceField(choices=["ok", "warn", "danger"], help_text="ok < 80 % ≤ warn < 95 % ≤ danger")
    projected = serializers.IntegerField(help_text="Linear projection of the month-end use")
    projected_over = serializers.BooleanField()
    hard = serializers.BooleanField(help_text="Refused past the limit (else allowed and alerted)")
    unit = serializers.SerializerMethodField()

    def get_unit(self, row) -> str:
        return "bytes" if row.is_bytes else "count"


class CurrentUsageSerializer(serializers.Serializer):
    month = serializers.DateField()
    metrics = MetricUsageSerializer(many=True)


class UsageRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = UsageRecord
        fields = ["month", "metric", "value", "updated_at"]


class AddonOfferSerializer(serializers.ModelSerializer):
    """An add-on type, priced in the organization's currency (minor units per unit and period, VAT excluded)."""

    unit_amount = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    allowed = serializers.SerializerMethodField(help_text="Whether the organization's plan may buy it")
    allowed_plans = serializers.ListField(child=serializers.CharField(), help_text="Plan tiers or codes that may buy it")

    class Meta:
        model = AddonType
        fields = [
            "code",
            "name",
            "description",
            "metric",
            "amount_per_unit",
            "unit_label",
            "period_days",
            "allowed_plans",
            "unit_amount",
            "currency",
            "allowed",
        ]

    def _offer(self, addon_type):
        return self.context["offers"][addon_type.pk]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_unit_amount(self, addon_type):
        return self._offer(addon_type).unit_amount

    def get_currency(self, addon_type) -> str:
        return self._offer(addon_type).currency

    def get_allowed(self, addon_type) -> bool:
        return self._offer(addon_type).available


class AddonPurchaseSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="addon_type.code", read_only=True)
    name = serializers.CharField(source="addon_type.name", read_only=True)
    metric = serializers.CharField(source="addon_type.metric", read_only=True)
    raises_by = serializers.IntegerField(read_only=True)
    total_amount = serializers.IntegerField(read_only=True, help_text="unit_amount × quantity, minor units, VAT excluded")

    class Meta:
        model = AddonPurchase
        fields = [
            "id",
            "code",
            "name",
            "metric",
            "quantity",
            "raises_by",
            "currency",
            "unit_amount",
            "total_amount",
            "status",
            "renew",
            "period_start",
            "expires_at",
            "canceled_at",
            "invoice_id",
            "created_at",
        ]
        read_only_fields = fields


class PurchaseRequestSerializer(serializers.Serializer):
    code = serializers.SlugField(help_text="The add-on type: ram, cpu, traffic, storage, credits")
    quantity = serializers.IntegerField(min_value=1, max_value=100)
    renew = serializers.BooleanField(default=True, help_text="Renew each period, billed on the subscription's next invoice")


class InvoiceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    total = serializers.IntegerField()
    currency = serializers.CharField()
    status = serializers.CharField()
    pay_url = serializers.CharField()


class PurchaseResultSerializer(serializers.Serializer):
    purchase = AddonPurchaseSerializer()
    invoice = InvoiceRefSerializer()


class LimitSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=Metric.choices)
    plan = serializers.IntegerField(allow_null=True, help_text="Included in the plan; null = unlimited")
    addons = serializers.IntegerField(help_text="Added by active add-ons")
    total = serializers.IntegerField(allow_null=True, help_text="null = unlimited")
    hard = serializers.BooleanField()
