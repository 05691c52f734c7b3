from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import selectors, services
from accounts.api.serializers import (
    EmailTokenObtainSerializer,
    ErrorEnvelopeSerializer,
    InvitationSerializer,
    LoginFailed,
    LoginSessionSerializer,
    MemberSerializer,
    MeSerializer,
    OrganizationSerializer,
    RefreshTokenSerializer,
    RegisteredSerializer,
    RegisterSerializer,
    RotatingRefreshSerializer,
    UserSerializer,
)
from accounts.lockout import lockout_response
from accounts.models import LoginSession, Membership, Organization
from core.api.throttling import AuthRateThrottle, RegisterRateThrottle, TokenUserRateThrottle


def error(description):
    return OpenApiResponse(response=ErrorEnvelopeSerializer, description=description)


ERRORS = {400: error("Invalid input, with a message per field.")}
THROTTLED = {
    429: error(
        "Too many requests (code `throttled`) or, on auth/token/, login locked after failures (code "
        "`account_locked`); Retry-After says when to try again."
    )
}
NOT_YOURS = {404: error("Not one of your organizations."), 403: error("Only owners and admins can do this.")}


def _tokens(user):
    refresh = RefreshToken.for_user(user)
    return {"refresh": str(refresh), "access": str(refresh.access_token)}


class RegisterView(generics.GenericAPIView):
    """Create an account and its personal organization; sends the verification email; returns tokens."""

    serializer_class = RegisterSerializer
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [RegisterRateThrottle]

    @extend_schema(
        responses={201: RegisteredSerializer, **ERRORS, 409: error("Email already used (code `email_taken`)."), **THROTTLED}
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.register_user(**serializer.validated_data)
        return Response({"user": UserSerializer(user).data, **_tokens(user)}, status=status.HTTP_201_CREATED)


class TokenObtainView(jwt_views.TokenObtainPairView):
    """Email + password (+ otp when 2FA is on) for an access and a refresh token.

    Failures count towards django-axes' lock-out, as on the browser login form.
    """

    serializer_class = EmailTokenObtainSerializer
    throttle_classes = [AuthRateThrottle]

    @extend_schema(
        responses={
            200: EmailTokenObtainSerializer,
            **ERRORS,
            **THROTTLED,
            401: error("Wrong email or password (`no_active_account`), or 2FA code missing or wrong (`otp_required`)."),
        }
    )
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except LoginFailed:
            # django-axes flags DRF's request wrapper, which its middleware never sees: answer here.
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            raise


TOKEN_REFUSED = {401: error("The refresh token is invalid, expired or already used (`token_not_valid`).")}


@extend_schema_view(post=extend_schema(responses={200: TokenRefreshSerializer, **ERRORS, **TOKEN_REFUSED, **THROTTLED}))
class TokenRefreshView(jwt_views.TokenRefreshView):
    """A new access token and a new refresh token; the refresh token sent is blacklisted. Parallel
    uses of one refresh token: one gets the new pair, the others `token_not_valid`."""

    serializer_class = RotatingRefreshSerializer
    throttle_classes = [TokenUserRateThrottle]


@extend_schema_view(
    post=extend_schema(responses={200: OpenApiResponse(description="Logged out."), **ERRORS, **TOKEN_REFUSED, **THROTTLED})
)
class TokenBlacklistView(jwt_views.TokenBlacklistView):
    """Log out: the refresh token stops working."""

    throttle_classes = [TokenUserRateThrottle]


class MeView(generics.RetrieveUpdateAPIView):
    """The logged-in user, their memberships and roles, and the organization requests act for."""

    http_method_names = ["get", "patch", "head", "options"]

    def get_serializer_class(self):
        return UserSerializer if self.request.method == "PATCH" else MeSerializer

    def get_object(self):
        # get_user_model(), not type(request.user): with session auth the user is a lazy proxy.
        return (
            get_user_model()
            .objects.prefetch_related(Prefetch("memberships", Membership.objects.select_related("organization")))
            .get(pk=self.request.user.pk)
        )

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "organization": selectors.resolve_organization(self.request, self.request.user),
        }

    @extend_schema(request=UserSerializer, responses={200: MeSerializer, **ERRORS})
    def patch(self, request, *args, **kwargs):
        user = request.user
        serializer = UserSerializer(user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        names = ("first_name", "last_name", "locale", "time_zone")
        fields = {name: serializer.validated_data.get(name, getattr(user, name)) for name in names}
        services.update_profile(user=user, **fields)
        return Response(MeSerializer(self.get_object(), context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(summary="The organizations the user belongs to"),
    retrieve=extend_schema(
        summary="One of the user's organizations (another's is a 404)", responses={200: OrganizationSerializer, **NOT_YOURS}
    ),
    partial_update=extend_schema(
        summary="Edit the organization's settings (owners and admins)",
        responses={200: OrganizationSerializer, **ERRORS, **NOT_YOURS},
    ),
)
class OrganizationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    serializer_class = OrganizationSerializer
    http_method_names = ["get", "patch", "post", "head", "options"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation, no user
            return Organization.objects.none()
        return selectors.organizations_for(self.request.user)

    def perform_update(self, serializer):
        services.update_organization(organization=serializer.instance, user=self.request.user, **serializer.validated_data)

    @extend_schema(responses={200: MemberSerializer(many=True), 404: NOT_YOURS[404]})
    @action(detail=True, methods=["get"], serializer_class=MemberSerializer, filter_backends=[])
    def members(self, request, pk=None):
        organization = self.get_object()
        page = self.paginate_queryset(organization.memberships.select_related("user").order_by("user__email"))
        return self.get_paginated_response(MemberSerializer(page, many=True).data)

    @extend_schema(
        request=InvitationSerializer,
        responses={
            201: InvitationSerializer,
            **ERRORS,
            **NOT_YOURS,
            409: error("Already a member (`already_member`) or invited (`already_invited`)."),
        },
    )
    @action(detail=True, methods=["post"], serializer_class=InvitationSerializer, filter_backends=[])
    def invitations(self, request, pk=None):
        organization = self.get_object()
        serializer = InvitationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invite_member(organization=organization, invited_by=request.user, **serializer.validated_data)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


NOT_FOUND = {404: error("Not one of your sessions or tokens.")}


class _OwnCredentials(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own sessions or tokens: list them, end one (another user's id is a 404)."""

    filter_backends = []

    def get_object(self):
        return self.kwargs["pk"]


@extend_schema_view(
    list=extend_schema(summary="The browser sessions you are logged in with"),
    destroy=extend_schema(summary="Log one browser session out", responses={204: None, **NOT_FOUND}),
)
class LoginSessionViewSet(_OwnCredentials):
    serializer_class = LoginSessionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LoginSession.objects.none()
        return selectors.login_sessions(self.request.user)

    def perform_destroy(self, pk):
        services.end_session(user=self.request.user, session_id=pk)


@extend_schema_view(
    list=extend_schema(summary="The refresh tokens (apps) that can still get access tokens"),
    destroy=extend_schema(
        summary="Revoke one refresh token (its app is logged out when its access token expires)",
        responses={204: None, **NOT_FOUND},
    ),
)
class RefreshTokenViewSet(_OwnCredentials):
    serializer_class = RefreshTokenSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OutstandingToken.objects.none()
        return selectors.live_tokens(self.request.user)

    def perform_destroy(self, pk):
        services.revoke_token(user=self.request.user, token_id=pk)
