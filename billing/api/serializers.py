from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import (
    BalanceEntry,
    CreditNote,
    Invoice,
    InvoiceLine,
    MethodKind,
    Payment,
    PaymentMethod,
    Plan,
    PlanPrice,
    Provider,
    Subscription,
)
from billing.models.payments import MOBILE_OPERATORS
from billing.pricing import vat_breakdown


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
    pending_plan = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="An upgrade waiting for `pending_invoice` to be paid"
    )
    suspended_at_trial_end = serializers.BooleanField(
        read_only=True, help_text="The trial ended without a payment method: POST .../restart/ to continue"
    )

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
            "suspended_at_trial_end",
            "scheduled_plan",
            "pending_plan",
            "pending_invoice",
            "coupon_code",
            "coupon_cycles_remaining",
            "canceled_at",
            "ended_at",
            "created_at",
        ]


class PlanChoiceSerializer(serializers.Serializer):
    plan = serializers.SlugRelatedField(slug_field="code", queryset=Plan.objects.filter(is_active=True))


class PlanChangeLineSerializer(serializers.Serializer):
    description = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_amount = serializers.IntegerField(help_text="Minor units, tax excluded; negative for unused time credited")
    discount_amount = serializers.IntegerField()
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    net_amount = serializers.IntegerField()
    vat_amount = serializers.IntegerField()
    total_amount = serializers.IntegerField()


class PlanChangePreviewSerializer(serializers.Serializer):
    """What POST .../change-plan/ would do, amounts in minor units of `currency`."""

    plan = serializers.CharField(source="plan.code", help_text="The plan moved to")
    kind = serializers.ChoiceField(
        choices=["upgrade", "downgrade", "trial_upgrade", "trial_switch"],
        help_text="upgrade: invoiced now, the plan changes once it is paid; downgrade: at the period's end; "
        "trial_upgrade: the trial ends and the first period is invoiced now; trial_switch: the plan changes now, "
        "nothing is invoiced",
    )
    currency = serializers.CharField(source="subscription.currency")
    effective_at = serializers.DateTimeField(help_text="When the new plan takes over (an upgrade: once paid)")
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()
    lines = PlanChangeLineSerializer(many=True, source="priced_lines", help_text="The invoice issued now (empty: none)")
    subtotal = serializers.IntegerField(source="amounts.subtotal")
    discount_total = serializers.IntegerField(source="amounts.discount_total")
    net_total = serializers.IntegerField(source="amounts.net_total")
    vat_total = serializers.IntegerField(source="amounts.vat_total")
    total = serializers.IntegerField(source="amounts.total")
    credit = serializers.IntegerField(help_text="Unused time of the current plan, tax excluded, from what was billed for it")
    credit_note_total = serializers.IntegerField(
        help_text="Unused time above the invoice's cost, credited tax included by a credit note (to the balance)"
    )
    from_balance = serializers.IntegerField(help_text="What the customer balance pays of the invoice")
    amount_due = serializers.IntegerField(help_text="What is charged to the payment method")
    balance_left = serializers.IntegerField(help_text="What the credit note leaves on the balance")


class SubscribeSerializer(PlanChoiceSerializer):
    trial = serializers.BooleanField(default=False, help_text="Start with the plan's free trial")
    coupon_code = serializers.CharField(
        required=False, allow_blank=True, max_length=50, default="", help_text="A promo code for the subscription"
    )


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


class RestartSerializer(serializers.Serializer):
    subscription = SubscriptionSerializer()
    invoice = InvoiceSerializer(allow_null=True, help_text="The first period's invoice; null on a free plan")


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


class PaymentMethodSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = PaymentMethod
        fields = [
            "id",
            "provider",
            "kind",
            "label",
            "brand",
            "last4",
            "phone_masked",
            "operator",
            "exp_month",
            "exp_year",
            "is_default",
            "created_at",
        ]


class PaymentMethodCreateSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=Provider.choices)
    card_number = serializers.CharField(required=False, max_length=30, help_text="Sandbox only: a test card number")
    payment_method = serializers.CharField(required=False, max_length=120, help_text="Stripe: a pm_… id (Stripe.js, SDK)")
    phone = serializers.CharField(required=False, max_length=30, help_text="Mobile money: international number")
    operator = serializers.ChoiceField(required=False, choices=list(MOBILE_OPERATORS.items()))
    make_default = serializers.BooleanField(default=False)


class PaymentSerializer(serializers.ModelSerializer):
    invoice = serializers.PrimaryKeyRelatedField(read_only=True)
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    next_action_url = serializers.CharField(read_only=True)
    failure_message = serializers.CharField(source="failure_reason", read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "invoice",
            "invoice_number",
            "amount",
            "currency",
            "provider",
            "method",
            "payment_method",
            "status",
            "attempt",
            "provider_reference",
            "failure_code",
            "failure_message",
            "amount_refunded",
            "next_action_url",
            "created_at",
            "completed_at",
        ]


class PaySerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=Provider.choices, default="sandbox")
    method = serializers.ChoiceField(choices=MethodKind.choices, required=False)
    payment_method = serializers.IntegerField(required=False, help_text="A saved payment method's id")
    amount = serializers.IntegerField(required=False, min_value=1, help_text="If given, must equal the amount due (minor units)")
    card_number = serializers.CharField(required=False, max_length=30, help_text="Sandbox only: a test card number")
    stripe_payment_method = serializers.CharField(required=False, max_length=120, help_text="Stripe: a pm_… id")
    phone = serializers.CharField(required=False, max_length=30)
    operator = serializers.ChoiceField(required=False, choices=list(MOBILE_OPERATORS.items()))


class BalanceSerializer(serializers.Serializer):
    currency = serializers.CharField()
    amount = serializers.IntegerField(help_text="Minor units the customer may use (never below zero)")


class BalanceEntrySerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True, allow_null=True, default=None)
    credit_note_number = serializers.CharField(source="credit_note.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = BalanceEntry
        fields = [
            "id",
            "currency",
            "amount",
            "kind",
            "description",
            "invoice",
            "invoice_number",
            "credit_note_number",
            "created_at",
        ]


class ApplyBalanceSerializer(serializers.Serializer):
    amount = serializers.IntegerField(required=False, min_value=1, help_text="At most this much (minor units); all it can")
