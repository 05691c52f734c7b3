from django.contrib.auth import authenticate, password_validation, user_logged_in
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.models import LOCALES, LoginSession, Membership, Organization, User
from accounts.validators import normalize_country, normalize_siren, normalize_vat_number
from core.errors import DomainError, Forbidden


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorEnvelopeSerializer(serializers.Serializer):
    """Every API error: {"error": {"code", "message", "fields"}} (documentation only)."""

    error = ErrorDetailSerializer()


class UserSerializer(serializers.ModelSerializer):
    email_verified = serializers.BooleanField(source="is_verified_email", read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "locale", "time_zone", "email_verified", "date_joined"]
        read_only_fields = ["id", "email", "date_joined"]


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    first_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    organization_name = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    currency = serializers.ChoiceField(choices=Organization.Currency.choices, default="EUR")
    # Blank: the language the request was made in (the app's Accept-Language).
    locale = serializers.ChoiceField(choices=LOCALES, required=False, default="", allow_blank=True)

    def validate_password(self, value):
        password_validation.validate_password(value)
        return value


class RegisteredSerializer(serializers.Serializer):
    user = UserSerializer()
    access = serializers.CharField()
    refresh = serializers.CharField()


class LoginFailed(DomainError):
    status = 401
    code = "no_active_account"
    default_message = _("No active account found with the given credentials.")


class EmailTokenObtainSerializer(TokenObtainPairSerializer):
    """Email + password (+ `otp` when the account has two-factor authentication) for a token pair."""

    otp = serializers.CharField(
        required=False,
        write_only=True,
        max_length=32,
        help_text="The current TOTP code, or a recovery code; required when 2FA is on.",
    )
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)

    def validate(self, attrs):
        request = self.context["request"]
        # django-axes reads the login name from the `username` credential, as on the browser form.
        user = authenticate(request, username=attrs["email"].strip().lower(), password=attrs["password"])
        if not jwt_settings.USER_AUTHENTICATION_RULE(user):
            raise LoginFailed()
        two_factor = services.has_two_factor(user)
        if user.is_staff and not two_factor:
            raise Forbidden(
                _("Staff accounts need two-factor authentication: turn it on from your profile in the browser first."),
                code="two_factor_enrolment_required",
            )
        if two_factor and services.verify_second_factor(user=user, token=attrs.get("otp")) is None:
            raise LoginFailed(
                _("This account uses two-factor authentication: send the current code (or a recovery code) as otp."),
                code="otp_required",
                fields={"otp": [_("A valid code is required.")]},
            )
        # The login signal resets django-axes' failure count and records last_login.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        refresh = self.get_token(user)
        if two_factor:
            refresh[services.OTP_CLAIM] = True
        return {"refresh": str(refresh), "access": str(refresh.access_token)}


class RotatingRefreshSerializer(TokenRefreshSerializer):
    """Refresh rotation with one winner: the refresh token's row is locked while it is checked and
    blacklisted, so parallel uses of one token give one new pair and `token_not_valid` to the rest."""

    def validate(self, attrs):
        with transaction.atomic():
            try:
                refresh = self.token_class(attrs["refresh"])  # signature, expiry, blacklist
            except TokenError as exc:
                raise InvalidToken(exc.args[0]) from exc
            jti = refresh[jwt_settings.JTI_CLAIM]
            outstanding = OutstandingToken.objects.select_for_update().filter(jti=jti).order_by().first()
            if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
                raise InvalidToken()
            user = User.objects.filter(pk=refresh.payload.get(jwt_settings.USER_ID_CLAIM)).first()
            if not jwt_settings.USER_AUTHENTICATION_RULE(user) or services.issued_before_credentials_changed(user, refresh):
                raise InvalidToken()
            BlacklistedToken.objects.create(token=outstanding)
            refresh.set_jti()
            refresh.set_exp()
            refresh.set_iat()
            refresh.outstand()
            return {"access": str(refresh.access_token), "refresh": str(refresh)}


class LoginSessionSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="The session this request was made with.")

    class Meta:
        model = LoginSession
        fields = ["id", "created_at", "ip_address", "user_agent", "current"]

    def get_current(self, obj) -> bool:
        request = self.context.get("request")
        return bool(request) and obj.session_key == getattr(getattr(request, "session", None), "session_key", None)


class RefreshTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutstandingToken
        fields = ["id", "created_at", "expires_at"]


class MembershipSerializer(serializers.ModelSerializer):
    organization_id = serializers.IntegerField(source="organization.id", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    organization_slug = serializers.CharField(source="organization.slug", read_only=True)

    class Meta:
        model = Membership
        fields = ["organization_id", "organization_name", "organization_slug", "role"]


class OrganizationSerializer(serializers.ModelSerializer):
    # Declared so the schema's enum admits "" (never checked): DRF drops allow_blank from read-only fields.
    vat_check_status = serializers.ChoiceField(
        choices=Organization._meta.get_field("vat_check_status").choices, allow_blank=True, read_only=True
    )
    # What invoices need and the billing identity lacks ({} when complete): the owner is asked to complete it.
    billing_identity_gaps = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "slug",
            "legal_name",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
            "is_business",
            "vat_number",
            "siren",
            "vat_check_status",
            "vat_checked_at",
            "vat_check_reference",
            "einvoicing_address",
            "billing_email",
            "billing_identity_gaps",
            "currency",
            "locale",
            "time_zone",
            "payment_terms_days",
            "require_two_factor",
            "created_at",
        ]
        read_only_fields = [
            "id", "slug", "created_at", "payment_terms_days", "vat_check_status", "vat_checked_at", "vat_check_reference",
        ]  # fmt: skip

    def validate(self, attrs):
        terms = self.initial_data.get("payment_terms_days")
        if terms is not None and self.instance is not None and str(terms) != str(self.instance.payment_terms_days):
            raise Forbidden(_("Payment terms are set by our staff."), code="staff_only_field")
        return attrs

    def validate_country(self, value):
        try:
            return normalize_country(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate_vat_number(self, value):
        return normalize_vat_number(value)

    def validate_siren(self, value):
        return normalize_siren(value)


class BillingIdentitySerializer(OrganizationSerializer):
    """The organization's billing identity alone, as checkout takes it (every field optional)."""

    vat_check_status = None
    billing_identity_gaps = None

    class Meta(OrganizationSerializer.Meta):
        fields = list(services.BILLING_IDENTITY_FIELDS)
        read_only_fields = []
        extra_kwargs = {name: {"required": False} for name in services.BILLING_IDENTITY_FIELDS}

    def validate(self, attrs):
        return attrs  # no payment terms here to refuse

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        if unknown:
            raise serializers.ValidationError({name: [_("This field cannot be set.")] for name in unknown})
        return super().to_internal_value(data)


class MeSerializer(UserSerializer):
    two_factor_enabled = serializers.SerializerMethodField()
    memberships = MembershipSerializer(many=True, read_only=True)
    current_organization = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "two_factor_enabled", "memberships", "current_organization"]

    def get_two_factor_enabled(self, user) -> bool:
        return services.has_two_factor(user)

    @extend_schema_field(OrganizationSerializer(allow_null=True))
    def get_current_organization(self, user):
        org = self.context.get("organization")
        return OrganizationSerializer(org).data if org else None


class MemberSerializer(serializers.ModelSerializer):
    user = UserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "created_at"]


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    created_at = serializers.DateTimeField(read_only=True)
