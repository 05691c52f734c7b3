import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.selectors import pay_url
from core.api.views import OrganizationScopedMixin
from usage import selectors, services
from usage.api import serializers as s
from usage.models import AddonPurchase, AddonType, Metric, UsageRecord


class CurrentUsageView(OrganizationScopedMixin, APIView):
    """This month's use of each metric against its limit, with the month-end projection."""

    @extend_schema(responses=s.CurrentUsageSerializer)
    def get(self, request):
        data = {"month": selectors.month_start(), "metrics": selectors.usage_summary(organization=self.organization)}
        return Response(s.CurrentUsageSerializer(data).data)


class UsageRecordFilter(django_filters.FilterSet):
    metric = django_filters.ChoiceFilter(choices=Metric.choices)
    since = django_filters.DateFilter(field_name="month", lookup_expr="gte", label="From this month (YYYY-MM-01)")
    until = django_filters.DateFilter(field_name="month", lookup_expr="lte", label="Up to this month (YYYY-MM-01)")

    class Meta:
        model = UsageRecord
        fields = ["metric", "since", "until"]


class UsageHistoryView(OrganizationScopedMixin, generics.ListAPIView):
    """Monthly usage records, newest first (the current month is completed by the minute flush)."""

    queryset = UsageRecord.objects.order_by("-month", "metric")
    serializer_class = s.UsageRecordSerializer
    filterset_class = UsageRecordFilter
    ordering_fields = ["month", "value"]


class AvailableAddonsView(OrganizationScopedMixin, generics.ListAPIView):
    """Add-ons for sale, priced in the organization's currency, and whether its plan may buy them."""

    queryset = AddonType.objects.filter(is_active=True)
    serializer_class = s.AddonOfferSerializer
    filterset_fields = ["metric"]
    ordering_fields = ["position"]

    def get_queryset(self):
        return AddonType.objects.filter(is_active=True).order_by("position", "code")

    def get_serializer_context(self):
        offers = {o.addon_type.pk: o for o in selectors.offers(organization=self.organization)}
        return {**super().get_serializer_context(), "offers": offers}


class AddonPurchaseViewSet(OrganizationScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The organization's add-ons. DELETE stops the renewal of an active one (it ends with its
    period) or cancels an unpaid one (its invoice is voided)."""

    queryset = AddonPurchase.objects.select_related("addon_type")
    serializer_class = s.AddonPurchaseSerializer
    filterset_fields = ["status"]
    ordering_fields = ["created_at", "expires_at"]

    @extend_schema(responses=s.AddonPurchaseSerializer)
    def destroy(self, request, pk=None):
        purchase = services.cancel_addon(organization=self.organization, pk=self.get_object().pk, user=request.user)
        return Response(s.AddonPurchaseSerializer(purchase).data)


class PurchaseAddonView(OrganizationScopedMixin, APIView):
    """Buy add-on units: a pending purchase and its invoice; it is active once the invoice is paid."""

    @extend_schema(request=s.PurchaseRequestSerializer, responses={201: s.PurchaseResultSerializer})
    def post(self, request):
        params = s.PurchaseRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        purchase, invoice = services.purchase_addon(organization=self.organization, user=request.user, **params.validated_data)
        data = {
            "purchase": purchase,
            "invoice": {
                "id": invoice.pk,
                "number": invoice.number,
                "total": invoice.total,
                "currency": invoice.currency,
                "status": invoice.status,
                "pay_url": request.build_absolute_uri(pay_url(invoice)),
            },
        }
        return Response(s.PurchaseResultSerializer(data).data, status=status.HTTP_201_CREATED)


class LimitsView(OrganizationScopedMixin, APIView):
    """Each metric's limit: included in the plan, added by active add-ons, total."""

    @extend_schema(responses=s.LimitSerializer(many=True))
    def get(self, request):
        return Response(s.LimitSerializer(selectors.limit_breakdown(organization=self.organization), many=True).data)
