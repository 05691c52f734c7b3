"""Writes for users and organizations: sign-up, verification, organizations, invitations, 2FA."""

import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Invitation, Membership, Organization
from core.errors import Conflict, Forbidden, ValidationFailed
from notifications.services import send_email

logger = logging.getLogger("webox.accounts")
User = get_user_model()

VERIFY_SALT = "accounts.verify-email"
INVITE_SALT = "accounts.invitation"


@transaction.atomic
def register_user(*, email, password, first_name="", last_name="", organization_name="", currency="EUR", locale="en"):
    """Create the user and their personal organization (owner), and send the verification link."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("An account with this email already exists. Log in or reset your password.", code="email_taken",
                       fields={"email": ["An account with this email already exists."]})
    user = User.objects.create_user(email=email, password=password, first_name=first_name, last_name=last_name, locale=locale)
    org = create_organization(owner=user, name=organization_name or f"{user.full_name}'s workspace", currency=currency, locale=locale)
    user.default_organization = org
    user.save(update_fields=["default_organization"])
    send_verification_email(user=user)
    logger.info("user_registered user=%s org=%s", user.pk, org.pk)
    return user


def create_organization(*, owner, name, currency="EUR", locale="en", **fields):
    org = Organization.objects.create(
        name=name, slug=_unique_slug(name), currency=currency, locale=locale, billing_email=owner.email, **fields
    )
    Membership.objects.create(user=owner, organization=org, role=Membership.Role.OWNER)
    return org


def _unique_slug(name):
    base = slugify(name)[:60] or "org"
    slug = base
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def verification_link(user):
    token = signing.dumps({"uid": user.pk, "email": user.email}, salt=VERIFY_SALT)
    return settings.SITE_URL + reverse("accounts:verify_email", args=[token])


def send_verification_email(*, user):
    send_email(
        to=user.email, template="accounts/emails/verify_email", kind="verify_email", locale=user.locale,
        context={"user": user, "link": verification_link(user)}, related=user,
    )


def verify_email(*, token):
    """Check a signed, expiring verification token and mark the address verified."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationFailed("This link has expired. Ask for a new one from your profile.", code="link_expired") from None
    except signing.BadSignature:
        raise ValidationFailed("This link is not valid.", code="link_invalid") from None
    user = User.objects.filter(pk=data["uid"], email=data["email"]).first()
    if user is None:
        raise ValidationFailed("This link is not valid.", code="link_invalid")
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def switch_organization(*, request, user, organization_id):
    org = Organization.objects.filter(pk=organization_id, memberships__user=user, is_active=True).first()
    if org is None:
        raise ValidationFailed("You are not a member of that organization.", code="organization_not_found")
    request.session["organization_id"] = org.pk
    user.default_organization = org
    user.save(update_fields=["default_organization"])
    return org


def require_manager(*, user, organization):
    member = Membership.objects.filter(user=user, organization=organization).first()
    if member is None or not member.can_manage:
        raise Forbidden("Only the organization's owners and admins can do this.")
    return member


def invite_member(*, organization, invited_by, email, role=Membership.Role.MEMBER):
    require_manager(user=invited_by, organization=organization)
    email = email.strip().lower()
    if role == Membership.Role.OWNER and not organization.memberships.filter(user=invited_by, role=Membership.Role.OWNER).exists():
        raise Forbidden("Only owners can invite another owner.")
    if organization.memberships.filter(user__email__iexact=email).exists():
        raise Conflict(f"{email} is already a member.", code="already_member")
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(organization=organization, email=email, role=role, invited_by=invited_by)
    except IntegrityError:
        raise Conflict(f"{email} already has a pending invitation.", code="already_invited") from None
    token = signing.dumps({"id": invitation.pk}, salt=INVITE_SALT)
    send_email(
        to=email, template="accounts/emails/invitation", kind="invitation", locale=organization.locale,
        context={"organization": organization, "inviter": invited_by, "link": settings.SITE_URL + reverse("accounts:accept_invitation", args=[token])},
        related=invitation,
    )
    return invitation


@transaction.atomic
def accept_invitation(*, token, user):
    try:
        data = signing.loads(token, salt=INVITE_SALT, max_age=settings.INVITATION_MAX_AGE)
    except signing.BadSignature:
        raise ValidationFailed("This invitation link is not valid or has expired.", code="link_invalid") from None
    invitation = Invitation.objects.select_for_update().filter(pk=data["id"], accepted_at__isnull=True).first()
    if invitation is None:
        raise ValidationFailed("This invitation was already used or withdrawn.", code="link_invalid")
    if invitation.email.lower() != user.email.lower():
        raise Forbidden(f"This invitation is for {invitation.email}. Log in with that address to accept it.")
    Membership.objects.get_or_create(user=user, organization=invitation.organization, defaults={"role": invitation.role})
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return invitation.organization


# --- Two-factor authentication (django-otp: TOTP device + static recovery codes) -------------

def start_totp_enrolment(*, user):
    """An unconfirmed TOTP device (replacing any earlier unconfirmed one) for the QR code."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def confirm_totp_enrolment(*, user, token):
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token):
        raise ValidationFailed("That code is not right. Check the time on your phone and try again.", code="invalid_otp",
                               fields={"token": ["Invalid code."]})
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, regenerate_recovery_codes(user=user)


@transaction.atomic
def regenerate_recovery_codes(*, user):
    """New one-time recovery codes (shown once); the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def disable_two_factor(*, user):
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def has_two_factor(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def verify_second_factor(*, user, token):
    """The device that accepts `token` (a TOTP code or an unused recovery code), or None."""
    token = (token or "").strip().replace(" ", "")
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=True):
            if device.verify_token(token):
                return device
    return None
