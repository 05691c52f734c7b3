from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import BillingIdentitySerializer
from catalog.models import Category, Order, OrderLine, Product
from catalog.services import MAX_BRIEF, MAX_QUANTITY


def kind_field():
    # A plain string in the schema: an enum named "kind" would collide with billing's payment-method kinds.
    return serializers.CharField(read_only=True, help_text="credits, digital or service")


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know: a price or total sent by a client is an error, never ignored
    silently nor used (prices always come from the server)."""

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: [_("This field cannot be set.")] for name in unknown})
        return attrs


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description", "parent", "ordering"]


class MoneySerializer(serializers.Serializer):
    amount = serializers.IntegerField(help_text="Minor units (cents for EUR, francs for XOF).")
    currency = serializers.CharField()


class ProductSerializer(serializers.ModelSerializer):
    kind = kind_field()
    category = CategorySerializer(read_only=True)
    price = serializers.SerializerMethodField()
    sold_out = serializers.BooleanField(read_only=True)
    image = serializers.ImageField(read_only=True, use_url=True)

    class Meta:
        model = Product
        fields = [
            "id", "slug", "name", "description", "kind", "category", "price", "vat_rate",
            "image", "stock", "sold_out", "credits", "popularity", "created_at",
        ]  # fmt: skip

    @extend_schema_field(MoneySerializer)
    def get_price(self, product):
        return {"amount": product.price, "currency": self.context["currency"]}


class CartLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item_id")
    product = serializers.CharField(source="product.slug")
    product_name = serializers.CharField(source="product.name")
    quantity = serializers.IntegerField()
    brief = serializers.CharField()
    unit_amount = serializers.IntegerField()
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    subtotal = serializers.IntegerField()
    discount_amount = serializers.IntegerField()
    vat_amount = serializers.IntegerField()
    total = serializers.IntegerField()


class UnavailableItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    product = serializers.CharField(source="product.slug")
    quantity = serializers.IntegerField()


class VatRateSerializer(serializers.Serializer):
    rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    base = serializers.IntegerField()
    vat = serializers.IntegerField()


class CartCouponStateSerializer(serializers.Serializer):
    code = serializers.CharField()
    valid = serializers.BooleanField()
    reason = serializers.CharField(help_text="Empty when valid; else why the coupons app refuses it (e.g. expired).")
    message = serializers.CharField()
    discount = serializers.IntegerField()


class CartSerializer(serializers.Serializer):
    """The cart priced now, in the organization's currency (minor units)."""

    currency = serializers.CharField()
    lines = CartLineSerializer(many=True)
    unavailable = UnavailableItemSerializer(many=True, help_text="Items no longer sold: left out of the totals.")
    quantity = serializers.IntegerField()
    subtotal = serializers.IntegerField()
    discount = serializers.IntegerField()
    vat_by_rate = VatRateSerializer(many=True)
    vat = serializers.IntegerField()
    total = serializers.IntegerField()
    coupon = CartCouponStateSerializer(allow_null=True, help_text="The promo code on the cart, checked now; null when none.")

    def to_representation(self, instance):
        totals, unavailable = instance
        data = {
            "currency": totals.currency, "lines": totals.lines, "unavailable": unavailable, "quantity": totals.quantity,
            "subtotal": totals.subtotal, "discount": totals.discount, "vat": totals.vat, "total": totals.total,
            "coupon": totals.coupon,
            "vat_by_rate": [{"rate": rate, "base": base, "vat": vat} for rate, base, vat in totals.vat_by_rate],
        }  # fmt: skip
        return super().to_representation(data)


class CartItemCreateSerializer(StrictSerializer):
    product = serializers.SlugField(help_text="The product's slug.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)
    brief = serializers.CharField(
        max_length=MAX_BRIEF, required=False, allow_blank=True, help_text="Generation services only: what you want made."
    )


class CartItemUpdateSerializer(StrictSerializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class CartCouponSerializer(StrictSerializer):
    code = serializers.CharField(max_length=40)


class CheckoutSerializer(StrictSerializer):
    """`billing`, when sent, changes the organization's billing identity first (owners and admins,
    checked as in its settings): the invoice says what it then is. `expected_total` (minor units),
    when sent, must equal the server's total or the order is not placed."""

    billing = BillingIdentitySerializer(required=False)
    payment_method = serializers.ChoiceField(choices=Order.PaymentMethod.choices)
    expected_total = serializers.IntegerField(min_value=0, required=False)


class OrderLineSerializer(serializers.ModelSerializer):
    kind = kind_field()
    product = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = OrderLine
        fields = [
            "id", "product", "product_name", "kind", "quantity", "unit_amount", "vat_rate",
            "discount_amount", "vat_amount", "total_amount", "job_ids",
        ]  # fmt: skip


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id", "number", "status", "currency", "subtotal", "discount", "vat", "total", "refunded_amount",
            "credits_taken_back", "credits_spent_before_refund", "billing_name", "billing_email", "billing_address",
            "vat_number", "payment_method", "coupon_code", "invoice_id",
            "created_at", "paid_at", "fulfilled_at", "canceled_at", "lines",
        ]  # fmt: skip


class CheckoutResultSerializer(serializers.Serializer):
    order = OrderSerializer()
    invoice_id = serializers.IntegerField()
    pay_url = serializers.CharField(help_text="The page where the customer pays the invoice.")
