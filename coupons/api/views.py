"""The coupons API: public validation (throttled against brute force) and staff management.
Thin views over coupons.services and coupons.selectors."""

from dataclasses import asdict

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import resolve_organization
from core.api.throttling import ScopedRateThrottle
from core.permissions import StaffWith2FA
from coupons import selectors, services
from coupons.api import serializers
from coupons.models import Coupon, CouponUsage


class Validate(APIView):
    """Whether a code applies to a purchase, why not, and the discount. Open to visitors; a
    signed-in user's organization is checked too (customer history, per-organization limit)."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "coupon_validate"

    @extend_schema(request=serializers.ValidateRequestSerializer, responses=serializers.CouponCheckSerializer)
    def post(self, request):
        params = serializers.ValidateRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        user = request.user
        organization = resolve_organization(request, user) if user.is_authenticated else None
        result = services.validate(organization=organization, **params.validated_data)
        data = {**asdict(result), "currency": params.validated_data["currency"]}
        return Response(serializers.CouponCheckSerializer(data).data)


class StaffCouponMixin:
    permission_classes = [StaffWith2FA]
    serializer_class = serializers.CouponSerializer
    queryset = Coupon.objects.prefetch_related("minimums", "plans", "products", "categories")

    def get_object(self):
        coupon = selectors.coupon_by_code(self.kwargs["code"])
        return self.get_queryset().get(pk=coupon.pk)


class CouponList(StaffCouponMixin, generics.ListCreateAPIView):
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_fields = ["is_active", "discount_type", "eligibility", "duration"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "created_at", "uses", "valid_to"]


class CouponDetail(StaffCouponMixin, generics.RetrieveUpdateDestroyAPIView):
    """PATCH/PUT change a coupon; DELETE only a coupon never used (else 409: deactivate it)."""

    @extend_schema(responses={204: None, 409: OpenApiResponse(description="The coupon has been used: deactivate it instead.")})
    def delete(self, request, *args, **kwargs):
        return super().delete(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.delete_coupon(coupon=instance)


class CouponDeactivate(StaffCouponMixin, generics.GenericAPIView):
    @extend_schema(request=None, responses=serializers.CouponSerializer)
    def post(self, request, code):
        coupon = services.deactivate(coupon=self.get_object())
        return Response(self.get_serializer(coupon).data, status=status.HTTP_200_OK)


class CouponUsages(generics.ListAPIView):
    permission_classes = [StaffWith2FA]
    serializer_class = serializers.CouponUsageSerializer
    queryset = CouponUsage.objects.all()
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["status", "target_type"]

    def get_queryset(self):
        return selectors.usages_of(coupon=selectors.coupon_by_code(self.kwargs["code"]))
