from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import JWTAuthentication
from accounts.selectors import resolve_organization
from core.api import throttling
from core.api.throttling import PublicFormThrottle
from core.api.views import OrganizationScopedMixin
from core.permissions import SUPPORT_QUEUE, StaffWith2FA
from support import selectors, services
from support.api.serializers import (
    ContactReceivedSerializer,
    ContactSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    RatingSerializer,
    StatsQuerySerializer,
    StatsSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
)
from support.models import Ticket

SEARCH = OpenApiParameter("search", str, description="Words in the subject or the messages (full-text on PostgreSQL).")


@extend_schema_view(
    list=extend_schema(parameters=[SEARCH], summary="The organization's tickets"),
    retrieve=extend_schema(summary="A ticket with its conversation (public messages only)"),
    create=extend_schema(request=TicketCreateSerializer, responses={201: TicketDetailSerializer}, summary="Open a ticket"),
    partial_update=extend_schema(
        request=TicketUpdateSerializer, responses=TicketDetailSerializer, summary="Change subject, category or priority"
    ),
)
class TicketViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Ticket.objects.select_related("requester", "follow_up_of", "related_type").prefetch_related("related")
    filterset_fields = ["status", "category", "priority"]
    ordering_fields = ["created_at", "updated_at", "priority"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        tickets = super().get_queryset()
        if self.action == "list":
            tickets = selectors.search(tickets, self.request.query_params.get("search", "")[:200], include_internal=False)
        return tickets

    def get_serializer_class(self):
        return TicketSerializer if self.action == "list" else TicketDetailSerializer

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def create(self, request, *args, **kwargs):
        data = self._input(TicketCreateSerializer)
        follow_up_of = None
        if data.get("follow_up_of"):
            follow_up_of = selectors.ticket_for(organization=self.organization, pk=data["follow_up_of"])
        ticket = services.create_ticket(
            organization=self.organization,
            requester=request.user,
            subject=data["subject"],
            body=data["body"],
            category=data["category"],
            priority=data["priority"],
            related_kind=data.get("related_type", ""),
            related_id=data.get("related_id"),
            follow_up_of=follow_up_of,
            attachments=data.get("attachments", []),
        )
        return Response(TicketDetailSerializer(ticket).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        data = self._input(TicketUpdateSerializer)
        ticket = services.update_ticket(ticket=self.get_object(), user=request.user, **data)
        return Response(TicketDetailSerializer(ticket).data)

    @extend_schema(methods=["GET"], responses=MessageSerializer(many=True), summary="The ticket's public messages")
    @extend_schema(methods=["POST"], request=MessageCreateSerializer, responses={201: MessageSerializer}, summary="Reply")
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def messages(self, request, pk=None):
        ticket = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.conversation(ticket, include_internal=False))
            return self.get_paginated_response(MessageSerializer(page, many=True).data)
        data = self._input(MessageCreateSerializer)
        message = services.customer_reply(
            ticket=ticket, user=request.user, body=data["body"], attachments=data.get("attachments", [])
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=TicketDetailSerializer, summary="Reopen a resolved ticket (within 7 days)")
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        ticket = services.reopen(ticket=self.get_object(), user=request.user)
        return Response(TicketDetailSerializer(ticket).data)

    @extend_schema(request=RatingSerializer, responses=TicketDetailSerializer, summary="Rate a resolved ticket from 1 to 5")
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        data = self._input(RatingSerializer)
        ticket = services.rate(ticket=self.get_object(), user=request.user, rating=data["rating"], comment=data["comment"])
        return Response(TicketDetailSerializer(ticket).data)


class AttachmentDownloadView(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}, summary="Download an attachment")
    def get(self, request, pk):
        organization = resolve_organization(request, request.user)
        attachment = selectors.attachment_for(user=request.user, organization=organization, pk=pk)
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )


class StatsView(APIView):
    permission_classes = [StaffWith2FA]
    staff_permission = SUPPORT_QUEUE  # the support roles, as the agent desk

    @extend_schema(parameters=[StatsQuerySerializer], responses=StatsSerializer, summary="Support statistics (staff)")
    def get(self, request):
        query = StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(StatsSerializer(selectors.ticket_stats(**query.validated_data)).data)


class ContactView(APIView):
    """The public contact form. The answer is the same whether the address is known or not; a
    ticket is opened only for a caller logged in (JWT) who writes from their own address."""

    permission_classes = [AllowAny]
    authentication_classes = [JWTAuthentication]  # no session: no CSRF for a public form
    throttle_classes = [PublicFormThrottle]

    @extend_schema(
        request=ContactSerializer, responses={201: ContactReceivedSerializer, 400: OpenApiResponse(description="Invalid or spam")}
    )
    def post(self, request):
        serializer = ContactSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.submit_contact(
            name=data["name"],
            email=data["email"],
            subject=data["subject"],
            message=data["message"],
            honeypot=data["website"],
            ip_address=throttling.client_address(request) or None,
            user=request.user,
        )
        return Response(
            {"detail": "Thank you: we received your message and sent you a confirmation."}, status=status.HTTP_201_CREATED
        )
