"""The storefront API: public catalog, the signed-in user's cart in their organization, checkout,
and the organization's orders. The same services and selectors as the shop pages."""

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.selectors import resolve_organization
from billing.selectors import invoice_for, pay_url
from catalog import cache as catalog_cache
from catalog import selectors, services
from catalog.api import serializers
from catalog.filters import ProductFilter
from catalog.models import Cart, Category, Order
from core.api.pagination import PageNumberPagination
from core.api.views import OrganizationScopedMixin
from core.money import CURRENCIES
from core.search import CappedPaginator

CURRENCY_PARAM = OpenApiParameter(
    "currency", OpenApiTypes.STR, enum=CURRENCIES,
    description="Prices in this currency (visitors only; a signed-in user always sees their organization's).",
)  # fmt: skip


class ProductPagination(PageNumberPagination):
    """`count` stops at 1,000 (core.search.CappedPaginator): a broad search is not counted in full.
    A search whose results are those of its typos' correction says so, as the shop page does."""

    django_paginator_class = CappedPaginator
    CORRECTION = {
        "suggestion": "The corrected search whose results these are: nothing matched the search as typed "
        "(null when the search was not corrected).",
        "corrected_from": "The search as typed, when the results are those of `suggestion` (else null).",
    }
    corrected = None  # the corrected FilterSet (catalog.filters.ProductFilter.corrected), set by the view

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        results = response.data.pop("results")
        response.data["suggestion"] = self.corrected.suggestion if self.corrected else None
        response.data["corrected_from"] = self.corrected.typed if self.corrected else None
        response.data["results"] = results
        return response

    def get_paginated_response_schema(self, schema):
        shape = super().get_paginated_response_schema(schema)
        results = shape["properties"].pop("results")
        for name, description in self.CORRECTION.items():
            shape["properties"][name] = {"type": "string", "nullable": True, "description": description}
        shape["properties"]["results"] = results
        shape["required"] = [*shape["required"], *self.CORRECTION]
        return shape


class ProductFilterBackend(DjangoFilterBackend):
    """django-filter with the currency the prices are compared in."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "currency": view.currency}

    def get_filterset(self, request, queryset, view):
        view.filterset = super().get_filterset(request, queryset, view)  # kept for a typo's correction
        return view.filterset


class CurrencyMixin:
    @cached_property
    def currency(self):
        user = self.request.user
        organization = resolve_organization(self.request, user) if user.is_authenticated else None
        return selectors.shop_currency(self.request, organization)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "currency": self.currency}


class VisitorCacheMixin:
    """A public list that is the same for everyone asking it (in a currency, when it has one):
    its pages come from the visitor cache. Refusals (bad filters) raise before anything is stored."""

    def list(self, request, *args, **kwargs):
        parts = (type(self).__name__, getattr(self, "currency", None), request.scheme, request.get_host(),
                 catalog_cache.query_parts(request))  # fmt: skip
        return Response(catalog_cache.cached(parts, lambda: super(VisitorCacheMixin, self).list(request, *args, **kwargs).data))


class CategoryList(VisitorCacheMixin, generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = serializers.CategorySerializer
    queryset = Category.objects.select_related("parent")
    filter_backends = []


@extend_schema(parameters=[CURRENCY_PARAM])
class ProductList(CurrencyMixin, VisitorCacheMixin, generics.ListAPIView):
    """Active products with a price in the currency; `search` must match every word, ranked (without
    accents; stemmed on PostgreSQL), and when it finds nothing, its typos are corrected: the results
    are those of `suggestion` (the search as typed in `corrected_from`). `min_price`/`max_price` are
    in major units (e.g. 9.99), `ordering` as on the shop page."""

    permission_classes = [AllowAny]
    serializer_class = serializers.ProductSerializer
    pagination_class = ProductPagination
    filter_backends = [ProductFilterBackend]
    filterset_class = ProductFilter

    def get_queryset(self):
        return selectors.products(currency=self.currency)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page or self.paginator.page.paginator.count:
            return page
        corrected = self.filterset.corrected()  # nothing found: a typo? (catalog.filters)
        if not corrected:
            return page
        self.paginator.corrected = corrected
        return super().paginate_queryset(corrected.qs)


@extend_schema(parameters=[CURRENCY_PARAM])
class ProductDetail(CurrencyMixin, generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = serializers.ProductSerializer
    lookup_field = "slug"

    def get_object(self):
        return selectors.product(slug=self.kwargs["slug"], currency=self.currency)


class CartMixin(OrganizationScopedMixin):
    """The user's cart in the request's organization (created on first use)."""

    queryset = Cart.objects.all()

    def cart(self):
        return Cart.objects.get_or_create(organization=self.organization, user=self.request.user)[0]

    def cart_response(self, cart, code=status.HTTP_200_OK):
        priced = selectors.cart_totals(cart=cart, currency=self.organization.currency, organization=self.organization)
        return Response(serializers.CartSerializer(priced).data, status=code)


class CartView(CartMixin, generics.GenericAPIView):
    serializer_class = serializers.CartSerializer

    def get(self, request):
        return self.cart_response(self.cart())

    @extend_schema(responses={200: serializers.CartSerializer})  # the cart as it is now, not a bare 204
    def delete(self, request):
        cart = self.cart()
        services.clear_cart(cart=cart)
        return self.cart_response(cart)


class CartItemCreate(CartMixin, generics.GenericAPIView):
    serializer_class = serializers.CartItemCreateSerializer

    @extend_schema(responses={201: serializers.CartSerializer})
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = self.cart()
        services.add_item(
            cart=cart,
            currency=self.organization.currency,
            product_slug=data.validated_data["product"],
            quantity=data.validated_data["quantity"],
            brief=data.validated_data.get("brief", ""),
        )
        return self.cart_response(cart, status.HTTP_201_CREATED)


class CartItemDetail(CartMixin, generics.GenericAPIView):
    serializer_class = serializers.CartItemUpdateSerializer

    @extend_schema(responses=serializers.CartSerializer)
    def patch(self, request, pk):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = self.cart()
        services.set_quantity(cart=cart, item_id=pk, quantity=data.validated_data["quantity"])
        return self.cart_response(cart)

    @extend_schema(responses={200: serializers.CartSerializer})  # the cart as it is now, not a bare 204
    def delete(self, request, pk):
        cart = self.cart()
        services.remove_item(cart=cart, item_id=pk)
        return self.cart_response(cart)


class CartCoupon(CartMixin, generics.GenericAPIView):
    """Apply a promo code to the cart (422 with the reason when refused), or remove it."""

    serializer_class = serializers.CartCouponSerializer

    @extend_schema(responses=serializers.CartSerializer)
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = self.cart()
        services.apply_coupon(
            cart=cart, code=data.validated_data["code"], organization=self.organization, currency=self.organization.currency
        )
        return self.cart_response(cart)

    @extend_schema(responses={200: serializers.CartSerializer})  # the cart as it is now, not a bare 204
    def delete(self, request):
        cart = self.cart()
        services.remove_coupon(cart=cart)
        return self.cart_response(cart)


class Checkout(CartMixin, generics.GenericAPIView):
    """Place the cart as an order; billing issues its invoice, paid at `pay_url`."""

    serializer_class = serializers.CheckoutSerializer

    @extend_schema(responses={201: serializers.CheckoutResultSerializer})
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.checkout(
            cart=self.cart(),
            organization=self.organization,
            user=request.user,
            billing=data.validated_data.get("billing", {}),
            payment_method=data.validated_data["payment_method"],
            expected_total=data.validated_data.get("expected_total"),
        )
        invoice = invoice_for(organization=self.organization, pk=order.invoice_id)
        result = {
            "order": order,
            "invoice_id": invoice.pk,
            "pay_url": request.build_absolute_uri(pay_url(invoice, method=order.payment_method)),
        }
        return Response(serializers.CheckoutResultSerializer(result).data, status=status.HTTP_201_CREATED)


class OrderList(OrganizationScopedMixin, generics.ListAPIView):
    serializer_class = serializers.OrderSerializer
    queryset = Order.objects.prefetch_related("lines__product").order_by("-created_at", "-pk")
    filterset_fields = ["status"]
    ordering_fields = ["created_at", "total"]


class OrderDetail(OrganizationScopedMixin, generics.RetrieveAPIView):
    serializer_class = serializers.OrderSerializer
    queryset = Order.objects.prefetch_related("lines__product")


class OrderCancel(OrganizationScopedMixin, generics.GenericAPIView):
    """Cancel an unpaid order: its invoice is voided and its limited units released."""

    serializer_class = serializers.OrderSerializer
    queryset = Order.objects.all()

    @extend_schema(request=None, responses=serializers.OrderSerializer)
    def post(self, request, pk):
        order = services.request_cancel(order=self.get_object(), reason=_("Canceled by the customer"), user=request.user)
        return Response(self.get_serializer(order).data)
