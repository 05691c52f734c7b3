from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.documents import vat_breakdown
from billing.models import CreditNote, Invoice, InvoiceLine, Plan, PlanPrice, Subscription


class PlanPriceSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanPrice
        fields = ["currency", "amount"]


class PlanSerializer(serializers.ModelSerializer):
    prices = PlanPriceSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = ["code", "name", "tier", "interval", "trial_days", "prices", "features", *Plan.LIMIT_FIELDS]


class SubscriptionSerializer(serializers.ModelSerializer):
    plan = PlanSerializer(read_only=True)
    scheduled_plan = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Subscription
        fields = [
            "id",
            "plan",
            "status",
            "currency",
            "current_period_start",
            "current_period_end",
            "trial_end",
            "cancel_at_period_end",
            "scheduled_plan",
            "coupon_code",
            "coupon_cycles_remaining",
            "canceled_at",
            "ended_at",
            "created_at",
        ]


class PlanChoiceSerializer(serializers.Serializer):
    plan = serializers.SlugRelatedField(slug_field="code", queryset=Plan.objects.filter(is_active=True))


class SubscribeSerializer(PlanChoiceSerializer):
    trial = serializers.BooleanField(default=False, help_text="Start with the plan's free trial")


class CancelSerializer(serializers.Serializer):
    at_period_end = serializers.BooleanField(default=True, help_text="false: end it now")


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = [
            "description",
            "product_ref",
            "quantity",
            "unit_amount",
            "discount_amount",
            "vat_rate",
            "net_amount",
            "vat_amount",
            "total_amount",
        ]


class InvoiceVatRateSerializer(serializers.Serializer):
    rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    base = serializers.IntegerField()
    vat = serializers.IntegerField()


class CreditNoteSerializer(serializers.ModelSerializer):
    invoice = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = CreditNote
        fields = ["id", "number", "invoice", "currency", "reason", "net_total", "vat_total", "total", "issue_date", "created_at"]


class InvoiceSerializer(serializers.ModelSerializer):
    amount_due = serializers.IntegerField(read_only=True)
    has_pdf = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "status",
            "currency",
            "source_type",
            "source_id",
            "subtotal",
            "discount_total",
            "net_total",
            "vat_total",
            "total",
            "amount_paid",
            "amount_credited",
            "amount_due",
            "issue_date",
            "due_date",
            "paid_at",
            "has_pdf",
        ]

    def get_has_pdf(self, obj) -> bool:
        return bool(obj.pdf_file)


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    vat_breakdown = serializers.SerializerMethodField()
    credit_notes = CreditNoteSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [
            *InvoiceSerializer.Meta.fields,
            "seller",
            "buyer",
            "payment_terms_days",
            "lines",
            "vat_breakdown",
            "credit_notes",
        ]

    @extend_schema_field(InvoiceVatRateSerializer(many=True))
    def get_vat_breakdown(self, obj):
        rows = [{"rate": rate, "base": base, "vat": vat} for rate, base, vat in vat_breakdown(obj.lines.all())]
        return InvoiceVatRateSerializer(rows, many=True).data
