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
from core import audit
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


COUPON_PERMISSIONS = {
    "GET": "coupons.view_coupon",
    "HEAD": "coupons.view_coupon",
    "OPTIONS": "coupons.view_coupon",
    "POST": "coupons.add_coupon",
    "PUT": "coupons.change_coupon",
    "PATCH": "coupons.change_coupon",
    "DELETE": "coupons.delete_coupon",
}


class StaffCouponMixin:
    """Staff coupon management: the role's coupon permissions (as in the admin), each change audited."""

    permission_classes = [StaffWith2FA]
    staff_permissions = COUPON_PERMISSIONS
    serializer_class = serializers.CouponSerializer
    queryset = Coupon.objects.prefetch_related("minimums")

    def get_object(self):
        coupon = selectors.coupon_by_code(self.kwargs["code"])
        return self.get_queryset().get(pk=coupon.pk)

    def _audit(self, action, coupon, before, after):
        audit.record(actor=self.request.user, action=action, target=coupon, before=before, after=after)

    def perform_create(self, serializer):
        coupon = serializer.save()
        self._audit("coupon_created", coupon, {}, audit.snapshot(coupon, services.AUDITED_FIELDS))

    def perform_update(self, serializer):
        before = audit.snapshot(serializer.instance, services.AUDITED_FIELDS)
        coupon = serializer.save()
        before, after = audit.changed(before, audit.snapshot(coupon, services.AUDITED_FIELDS))
        if after:
            self._audit("coupon_changed", coupon, before, after)


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
        before = audit.snapshot(instance, services.AUDITED_FIELDS)
        services.delete_coupon(coupon=instance)
        audit.record(actor=self.request.user, action="coupon_deleted", target=None, before=before, after={})


class CouponDeactivate(StaffCouponMixin, generics.GenericAPIView):
    staff_permissions = {"POST": "coupons.change_coupon"}

    @extend_schema(request=None, responses=serializers.CouponSerializer)
    def post(self, request, code):
        coupon = self.get_object()
        was_active = coupon.is_active
        coupon = services.deactivate(coupon=coupon)
        self._audit("coupon_deactivated", coupon, {"is_active": was_active}, {"is_active": False})
        return Response(self.get_serializer(coupon).data, status=status.HTTP_200_OK)


class CouponUsages(generics.ListAPIView):
    permission_classes = [StaffWith2FA]
    staff_permission = "coupons.view_couponusage"
    serializer_class = serializers.CouponUsageSerializer
    queryset = CouponUsage.objects.all()
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["status", "target_type"]

    def get_queryset(self):
        return selectors.usages_of(coupon=selectors.coupon_by_code(self.kwargs["code"]))
