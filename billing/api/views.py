import django_filters
from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.selectors import membership
from billing import selectors, services
from billing.api import serializers as s
from billing.models import CreditNote, Invoice, Plan, Subscription
from core.api.views import OrganizationScopedMixin
from core.errors import Forbidden, NotFound


class PlanFilter(django_filters.FilterSet):
    currency = django_filters.ChoiceFilter(
        field_name="prices__currency", choices=[("EUR", "EUR"), ("XOF", "XOF")], label="Sold in this currency"
    )

    class Meta:
        model = Plan
        fields = ["tier", "interval", "currency"]


class PlanViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The plans on sale, with their prices per currency (minor units, VAT excluded) and limits."""

    permission_classes = [permissions.AllowAny]
    queryset = selectors.plans_for_sale()
    serializer_class = s.PlanSerializer
    filterset_class = PlanFilter
    ordering_fields = ["sort_order"]


class ManagerWritePermission(permissions.BasePermission):
    """Anyone in the organization reads billing; owners and admins change the subscription."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        member = membership(request.user, view.organization)
        if not (member and member.can_manage):
            raise Forbidden("Only owners and admins manage the subscription.")
        return True


class SubscriptionViewSet(OrganizationScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The organization's subscriptions (at most one live). Amounts in minor units."""

    queryset = Subscription.objects.select_related("plan", "scheduled_plan").prefetch_related("plan__prices")
    serializer_class = s.SubscriptionSerializer
    permission_classes = [permissions.IsAuthenticated, ManagerWritePermission]
    filterset_fields = ["status"]

    def _respond(self, subscription, code=status.HTTP_200_OK):
        subscription = self.get_queryset().get(pk=subscription.pk)
        return Response(s.SubscriptionSerializer(subscription).data, status=code)

    @extend_schema(request=s.SubscribeSerializer, responses={201: s.SubscriptionSerializer})
    def create(self, request):
        data = self._valid(s.SubscribeSerializer)
        subscription = services.subscribe(
            organization=self.organization, plan=data["plan"], trial=data["trial"], user=request.user
        )
        return self._respond(subscription, status.HTTP_201_CREATED)

    def _valid(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        request=s.PlanChoiceSerializer,
        responses=s.SubscriptionSerializer,
        description="A dearer plan starts now (prorated invoice); a cheaper one at the end of the period.",
    )
    @action(detail=True, methods=["post"], url_path="change-plan")
    def change_plan(self, request, pk=None):
        plan = self._valid(s.PlanChoiceSerializer)["plan"]
        return self._respond(services.change_plan(subscription=self.get_object(), plan=plan, user=request.user))

    @extend_schema(request=s.CancelSerializer, responses=s.SubscriptionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        at_period_end = self._valid(s.CancelSerializer)["at_period_end"]
        return self._respond(services.cancel_subscription(subscription=self.get_object(), at_period_end=at_period_end))

    @extend_schema(request=None, responses=s.SubscriptionSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._respond(services.resume_subscription(subscription=self.get_object()))


class InvoiceFilter(django_filters.FilterSet):
    class Meta:
        model = Invoice
        fields = ["status", "source_type", "currency"]


def _pdf(document):
    if not document.pdf_file or not default_storage.exists(document.pdf_file):
        raise NotFound("The PDF is being prepared: try again in a minute.", code="pdf_not_ready")
    return FileResponse(
        default_storage.open(document.pdf_file, "rb"), content_type="application/pdf", filename=f"{document.number}.pdf"
    )


PDF_RESPONSE = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF")}


class InvoiceViewSet(OrganizationScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The organization's invoices (finalized ones; drafts are not shown)."""

    queryset = Invoice.objects.exclude(status=Invoice.Status.DRAFT)
    serializer_class = s.InvoiceSerializer
    filterset_class = InvoiceFilter
    ordering_fields = ["issue_date", "due_date", "total"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("lines", "credit_notes__invoice")
        return queryset

    def get_serializer_class(self):
        return s.InvoiceDetailSerializer if self.action == "retrieve" else s.InvoiceSerializer

    @extend_schema(responses=PDF_RESPONSE)
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        return _pdf(self.get_object())


class CreditNoteViewSet(OrganizationScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = CreditNote.objects.select_related("invoice")
    serializer_class = s.CreditNoteSerializer
    filterset_fields = ["currency"]

    @extend_schema(responses=PDF_RESPONSE)
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        return _pdf(self.get_object())
