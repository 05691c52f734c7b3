import django_filters
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action, api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.response import Response

from accounts.selectors import membership
from billing import payments, recurring, selectors, services
from billing.api import serializers as s
from billing.models import BalanceEntry, CreditNote, Invoice, Payment, PaymentMethod, Plan, Subscription
from core.api.views import OrganizationScopedMixin
from core.errors import Forbidden, NotFound
from core.money import CURRENCY_CHOICES


class PlanFilter(django_filters.FilterSet):
    currency = django_filters.ChoiceFilter(field_name="prices__currency", choices=CURRENCY_CHOICES, label="Sold in this currency")

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
            raise Forbidden(_("Only owners and admins manage the subscription."))
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
            organization=self.organization,
            plan=data["plan"],
            trial=data["trial"],
            user=request.user,
            coupon_code=data["coupon_code"],
        )
        return self._respond(subscription, status.HTTP_201_CREATED)

    def _valid(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        parameters=[OpenApiParameter("plan", str, required=True, description="The code of the plan to move to")],
        responses=s.PlanChangePreviewSerializer,
        description="What POST change-plan/ would do, with the invoice it would issue; changes nothing.",
    )
    @action(detail=True, methods=["get"], url_path="change-plan/preview")
    def change_plan_preview(self, request, pk=None):
        serializer = s.PlanChoiceSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        change = services.preview_plan_change(subscription=self.get_object(), plan=serializer.validated_data["plan"])
        return Response(s.PlanChangePreviewSerializer(change).data)

    @extend_schema(
        request=s.PlanChoiceSerializer,
        responses=s.SubscriptionSerializer,
        description="A dearer plan is invoiced now (the unused time of the current one credited), charged to the "
        "default payment method, and starts once paid (`pending_plan` until then); a cheaper one at the end of "
        "the period. See change-plan/preview/ first.",
    )
    @action(detail=True, methods=["post"], url_path="change-plan")
    def change_plan(self, request, pk=None):
        plan = self._valid(s.PlanChoiceSerializer)["plan"]
        subscription, _invoice = recurring.change_plan(subscription=self.get_object(), plan=plan, user=request.user)
        return self._respond(subscription)

    @extend_schema(
        request=None,
        responses=s.SubscriptionSerializer,
        description="Undo a downgrade scheduled for the period's end, or an upgrade whose invoice is unpaid (voided).",
    )
    @action(detail=True, methods=["post"], url_path="undo-plan-change")
    def undo_plan_change(self, request, pk=None):
        return self._respond(services.undo_plan_change(subscription=self.get_object(), user=request.user))

    @extend_schema(request=s.CancelSerializer, responses=s.SubscriptionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        at_period_end = self._valid(s.CancelSerializer)["at_period_end"]
        return self._respond(services.cancel_subscription(subscription=self.get_object(), at_period_end=at_period_end))

    @extend_schema(request=None, responses=s.SubscriptionSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._respond(services.resume_subscription(subscription=self.get_object()))

    @extend_schema(
        request=None,
        responses=s.RestartSerializer,
        description="A trial suspended at its end starts its first paid period: the invoice is issued (or the one "
        "still open returned) and charged to the default payment method; the subscription is active once it is paid.",
    )
    @action(detail=True, methods=["post"])
    def restart(self, request, pk=None):
        subscription, invoice = recurring.restart_after_trial(subscription=self.get_object(), user=request.user)
        subscription = self.get_queryset().get(pk=subscription.pk)
        return Response(s.RestartSerializer({"subscription": subscription, "invoice": invoice}).data)


def _details(data):
    """Provider input from a validated body, under the names the providers read."""
    details = {key: data[key] for key in ("card_number", "phone", "operator") if data.get(key)}
    stripe_pm = data.get("stripe_payment_method") or data.get("payment_method")
    if isinstance(stripe_pm, str) and stripe_pm:
        details["payment_method"] = stripe_pm
    return details


class PayInvoiceMixin:
    @extend_schema(
        request=s.PaySerializer,
        responses={201: s.PaymentSerializer, 200: s.PaymentSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Repeat it to retry safely: the same request returns the first payment.",
            )
        ],
        description="Pay the invoice with a provider: 201 with the new payment, 200 when the Idempotency-Key was seen.",
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        invoice = self.get_object()
        serializer = s.PaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        method = (
            selectors.method_for(organization=self.organization, pk=data["payment_method"]) if "payment_method" in data else None
        )
        payment, replayed = payments.pay_invoice(
            organization=self.organization,
            invoice=invoice,
            provider=data["provider"],
            method_kind=data.get("method", ""),
            payment_method=method,
            details=_details(data),
            amount=data.get("amount"),
            idempotency_key=request.headers.get("Idempotency-Key", "")[:120],
            user=request.user,
        )
        payment.refresh_from_db()
        return Response(s.PaymentSerializer(payment).data, status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED)


class InvoiceFilter(django_filters.FilterSet):
    class Meta:
        model = Invoice
        fields = ["status", "source_type", "currency"]


def _pdf(document):
    if not document.pdf_file or not default_storage.exists(document.pdf_file):
        raise NotFound(_("The PDF is being prepared: try again in a minute."), code="pdf_not_ready")
    return FileResponse(
        default_storage.open(document.pdf_file, "rb"), content_type="application/pdf", filename=f"{document.number}.pdf"
    )


PDF_RESPONSE = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF")}


class InvoiceViewSet(
    PayInvoiceMixin, OrganizationScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
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

    @extend_schema(
        request=s.ApplyBalanceSerializer,
        responses=s.InvoiceSerializer,
        description="Pay the invoice from the customer balance (409 `no_balance` when there is none to apply).",
    )
    @action(detail=True, methods=["post"], url_path="apply-balance")
    def apply_balance(self, request, pk=None):
        serializer = s.ApplyBalanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.apply_balance(
            organization=self.organization,
            invoice=self.get_object(),
            amount=serializer.validated_data.get("amount"),
            user=request.user,
        )
        return Response(s.InvoiceSerializer(self.get_queryset().get(pk=pk)).data)


class BalanceViewSet(OrganizationScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The customer balance's ledger, newest first; `summary` gives the balance per currency."""

    queryset = BalanceEntry.objects.select_related("invoice", "credit_note")
    serializer_class = s.BalanceEntrySerializer
    filterset_fields = ["currency", "kind"]

    @extend_schema(responses=s.BalanceSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def summary(self, request):
        balances = selectors.balances_for(organization=self.organization) or {self.organization.currency: 0}
        rows = [{"currency": currency, "amount": amount} for currency, amount in balances.items()]
        return Response(s.BalanceSerializer(rows, many=True).data)


class CreditNoteViewSet(OrganizationScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = CreditNote.objects.select_related("invoice")
    serializer_class = s.CreditNoteSerializer
    filterset_fields = ["currency"]

    @extend_schema(responses=PDF_RESPONSE)
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        return _pdf(self.get_object())


class PaymentFilter(django_filters.FilterSet):
    class Meta:
        model = Payment
        fields = ["status", "provider", "invoice"]


class PaymentViewSet(OrganizationScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Payments of the organization's invoices, newest first."""

    queryset = Payment.objects.select_related("invoice")
    serializer_class = s.PaymentSerializer
    filterset_class = PaymentFilter
    ordering_fields = ["created_at"]

    @extend_schema(request=None, responses=s.PaymentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        payment = payments.cancel_payment(payment=self.get_object())
        return Response(s.PaymentSerializer(payment).data)


class PaymentMethodViewSet(OrganizationScopedMixin, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Saved payment methods: provider tokens and display details only, never a card number."""

    queryset = PaymentMethod.objects.all()
    serializer_class = s.PaymentMethodSerializer
    permission_classes = [permissions.IsAuthenticated, ManagerWritePermission]
    filterset_fields = ["provider", "kind"]

    @extend_schema(request=s.PaymentMethodCreateSerializer, responses={201: s.PaymentMethodSerializer})
    def create(self, request):
        serializer = s.PaymentMethodCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        method = payments.add_payment_method(
            organization=self.organization, provider=data["provider"], details=_details(data), make_default=data["make_default"]
        )
        return Response(s.PaymentMethodSerializer(method).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        payments.remove_payment_method(method=instance)

    @extend_schema(request=None, responses=s.PaymentMethodSerializer)
    @action(detail=True, methods=["post"], url_path="set-default")
    def set_default(self, request, pk=None):
        return Response(s.PaymentMethodSerializer(payments.set_default_payment_method(method=self.get_object())).data)


class WebhookReceivedSerializer(drf_serializers.Serializer):
    received = drf_serializers.BooleanField()
    duplicate = drf_serializers.BooleanField()


@extend_schema(
    request={"application/json": OpenApiTypes.OBJECT},
    responses={200: WebhookReceivedSerializer},
    description="Provider callbacks. The signature is checked before anything else (400 when it fails); "
    "the event is stored once by its id and acted on by a task.",
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([permissions.AllowAny])
@throttle_classes([])
def webhook(request, provider):
    event, created = payments.receive_webhook(provider=provider, body=request.body, headers=request.headers)
    return Response({"received": True, "duplicate": not created})
