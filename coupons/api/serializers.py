from django.conf import settings
from rest_framework import serializers

from coupons import services
from coupons.models import CODE_MAX_LENGTH, Coupon, CouponUsage

SLUG_LIST_MAX = 200


def slug_list(help_text, **options):
    """A list of references (codes, slugs), at most SLUG_LIST_MAX of them, that may be left out."""
    return serializers.ListField(
        child=serializers.SlugField(), required=False, max_length=SLUG_LIST_MAX, help_text=help_text, **options
    )


class ValidateRequestSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=CODE_MAX_LENGTH, help_text="Case-insensitive")
    amount = serializers.IntegerField(min_value=0, help_text="The purchase total in minor units (cents for EUR, francs for XOF).")
    currency = serializers.ChoiceField(choices=settings.SUPPORTED_CURRENCIES)
    product_refs = slug_list("Product slugs in the cart", default=list)
    category_refs = slug_list("Their category slugs", default=list)
    plan_code = serializers.SlugField(required=False, allow_null=True, default=None, help_text="For a subscription")


class CouponCheckSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    code = serializers.CharField()
    reason = serializers.ChoiceField(choices=["", *services.REASONS], help_text="Empty when valid")
    message = serializers.CharField()
    discount = serializers.IntegerField(help_text="Minor units of `currency`")
    final_amount = serializers.IntegerField()
    currency = serializers.CharField()


class MinimumSerializer(serializers.Serializer):
    currency = serializers.ChoiceField(choices=settings.SUPPORTED_CURRENCIES)
    amount = serializers.IntegerField(min_value=1, help_text="Minor units")


class CouponSerializer(serializers.ModelSerializer):
    """Staff view of a coupon. Writes go through coupons.services, which validate the whole coupon."""

    minimums = MinimumSerializer(many=True, required=False, help_text="The minimum purchase, per currency")
    # References, checked by the service against the plans, products and categories that exist.
    plans = slug_list("Plan codes (none: every plan)")
    products = slug_list("Product slugs")
    categories = slug_list("Category slugs (with products: none of either = every item)")

    class Meta:
        model = Coupon
        fields = [
            "code", "name", "description", "discount_type", "percent_off", "amount_off", "currency",
            "valid_from", "valid_to", "max_uses", "max_uses_per_organization", "uses", "plans", "products",
            "categories", "minimums", "eligibility", "first_payment_only", "duration", "duration_months",
            "is_active", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["uses", "created_at", "updated_at"]
        # Uniqueness is case-insensitive: the service checks it on the upper-cased code.
        extra_kwargs = {"code": {"validators": []}}

    def create(self, validated_data):
        return services.create_coupon(**validated_data)

    def update(self, instance, validated_data):
        return services.update_coupon(coupon=instance, **validated_data)


class CouponUsageSerializer(serializers.ModelSerializer):
    coupon = serializers.CharField(source="coupon.code")
    organization = serializers.CharField(source="organization.slug")
    user = serializers.EmailField(source="user.email", allow_null=True, default=None)
    invoice = serializers.CharField(source="invoice.number", allow_null=True, default=None)

    class Meta:
        model = CouponUsage
        fields = [
            "id", "coupon", "organization", "user", "target_type", "target_id", "invoice", "original_amount",
            "discount", "final_amount", "currency", "status", "reserved_at", "confirmed_at", "released_at",
        ]  # fmt: skip
