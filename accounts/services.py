"""Writes for users and organizations: sign-up, verification, organizations, invitations, 2FA."""

import logging
import secrets
from collections import Counter
from datetime import timedelta
from importlib import import_module

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import locks, validators, vies
from accounts.mail import send_email
from accounts.models import Invitation, LoginSession, Membership, Organization
from accounts.selectors import has_two_factor, language_for
from core import audit
from core.api import throttling
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed

logger = logging.getLogger("webox.accounts")
User = get_user_model()

VERIFY_SALT = "accounts.verify-email"
INVITE_SALT = "accounts.invitation"


@transaction.atomic
def register_user(*, email, password, first_name="", last_name="", organization_name="", currency="EUR", locale=""):
    """Create the user and their personal organization (owner), and send the verification link.

    With no `locale`, both speak the language the person signed up in."""
    locale = locale or current_language()
    user = _create_user(email=email, password=password, first_name=first_name, last_name=last_name, locale=locale)
    org = create_organization(
        owner=user,
        name=organization_name or _("%(name)s's workspace") % {"name": user.full_name},
        currency=currency,
        locale=locale,
    )
    user.default_organization = org
    user.save(update_fields=["default_organization"])
    send_verification_email(user=user)
    logger.info("user_registered user=%s org=%s", user.pk, org.pk)
    return user


@transaction.atomic
def register_invited_user(*, token, email, password, first_name="", last_name="", locale=""):
    """Sign up to join the organization an invitation names: no workspace of one's own, and the
    address is confirmed, since the invitation link reached it."""
    invitation = invitation_from_token(token)
    if email.strip().lower() != invitation.email.lower():
        raise Forbidden(_("This invitation is for %(email)s.") % {"email": invitation.email})
    user = _create_user(
        email=email, password=password, first_name=first_name, last_name=last_name, locale=locale or current_language()
    )
    user.default_organization = accept_invitation(token=token, user=user)
    user.save(update_fields=["default_organization"])
    logger.info("user_registered user=%s org=%s invited=true", user.pk, user.default_organization_id)
    return user


def _create_user(*, email, password, first_name, last_name, locale):
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            _("An account with this email already exists. Log in or reset your password."),
            code="email_taken",
            fields={"email": [_("An account with this email already exists.")]},
        )
    return User.objects.create_user(email=email, password=password, first_name=first_name, last_name=last_name, locale=locale)


def current_language():
    """The active language as one of settings.LANGUAGES (a request's, else the default)."""
    language = (translation.get_language() or "")[:2]
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


# What the apps above accounts give a new organization, in the transaction that creates it
# (generation: the Free plan's credits of the month); they register in their AppConfig.ready().
_organization_created = []


def register_organization_created(handler):
    """handler(organization), called once for every organization created."""
    if handler not in _organization_created:
        _organization_created.append(handler)


def create_organization(*, owner, name, currency="EUR", locale="", **fields):
    locale = locale or current_language()
    org = Organization.objects.create(
        name=name, slug=_unique_slug(name), currency=currency, locale=locale, billing_email=owner.email, **fields
    )
    Membership.objects.create(user=owner, organization=org, role=Membership.Role.OWNER)
    for handler in _organization_created:
        handler(org)
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
        to=user.email,
        template="accounts/emails/verify_email",
        kind="verify_email",
        locale=language_for(user),
        context={"user": user, "link": verification_link(user), "days": settings.EMAIL_VERIFICATION_MAX_AGE.days},
        related=user,
    )


def verify_email(*, token):
    """Check a signed, expiring verification token and mark the address verified."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationFailed(_("This link has expired. Ask for a new one from your profile."), code="link_expired") from None
    except signing.BadSignature:
        raise ValidationFailed(_("This link is not valid."), code="link_invalid") from None
    user = User.objects.filter(pk=data["uid"], email=data["email"]).first()
    if user is None:
        raise ValidationFailed(_("This link is not valid."), code="link_invalid")
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def switch_organization(*, request, user, organization_id):
    org = Organization.objects.filter(pk=organization_id, memberships__user=user, is_active=True).first()
    if org is None:
        raise ValidationFailed(_("You are not a member of that organization."), code="organization_not_found")
    request.session["organization_id"] = org.pk
    user.default_organization = org
    user.save(update_fields=["default_organization"])
    return org


def require_manager(*, user, organization):
    member = Membership.objects.filter(user=user, organization=organization).first()
    if member is None or not member.can_manage:
        raise Forbidden(_("Only the organization's owners and admins can do this."))
    return member


def _lock_owners(organization):
    """The organization's owner memberships, locked, so two removals cannot leave it ownerless."""
    return list(Membership.objects.select_for_update().filter(organization=organization, role=Membership.Role.OWNER))


def _is_owner(user, organization):
    return Membership.objects.filter(user=user, organization=organization, role=Membership.Role.OWNER).exists()


# What the tax decision and the e-invoices read: checked together when any of it changes.
TAX_IDENTITY_FIELDS = ("country", "is_business", "vat_number", "siren", "einvoicing_address")

# The billing identity: what invoices say of the organization (billing copies it at each issue),
# edited in its settings and at checkout (catalog), one form and one check for both.
BILLING_IDENTITY_FIELDS = (
    "legal_name",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "is_business",
    "vat_number",
    "siren",
    "einvoicing_address",
    "billing_email",
)

# The organization settings owners and admins may edit (the settings form shows them in this order).
ORGANIZATION_FIELDS = (
    "name",
    *BILLING_IDENTITY_FIELDS,
    "currency",
    "locale",
    "time_zone",
    "require_two_factor",  # owners only (_check_two_factor_requirement)
)


def update_organization(*, organization, user, **fields):
    """Owners and admins edit the organization's settings (already normalized by a form or
    serializer). A changed tax identity is checked first (VAT number and SIREN by checksum, the
    SIREN of a French business required, the e-invoicing address against them), then the VAT number asked of VIES, outside any
    transaction: a number VIES refuses is refused here, and nothing changes."""
    require_manager(user=user, organization=organization)
    unknown = set(fields) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise ValidationFailed(_("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    identity = {name: fields.get(name, getattr(organization, name)) for name in TAX_IDENTITY_FIELDS}
    if any(identity[name] != getattr(organization, name) for name in TAX_IDENTITY_FIELDS):
        _check_tax_identity(**identity)
    if (identity["vat_number"], identity["country"]) != (organization.vat_number, organization.country):
        fields.update(_vies_check(identity["vat_number"], identity["country"]))
    # From the database: a page's ModelForm has already set the new value on `organization`.
    required_before = Organization.objects.values_list("require_two_factor", flat=True).get(pk=organization.pk)
    if fields.get("require_two_factor", required_before) != required_before:
        _check_two_factor_requirement(organization, user, fields["require_two_factor"])
    organization = _save_organization(organization, user, fields)
    if organization.require_two_factor != required_before:
        audit.record(
            actor=user,
            action="organization_two_factor_required" if organization.require_two_factor else "organization_two_factor_optional",
            target=organization,
            before={"require_two_factor": required_before},
            after={"require_two_factor": organization.require_two_factor},
        )
    return organization


def _check_two_factor_requirement(organization, user, required):
    """Owners decide; an owner turning it on has a second factor already (else the next page sends them to enrol)."""
    if not _is_owner(user, organization):
        message = _("Only owners decide whether members need two-factor authentication.")
        raise Forbidden(message, code="owner_only_field", fields={"require_two_factor": [message]})
    if required and not has_two_factor(user):
        message = _("Turn on two-factor authentication for your own account first.")
        raise ValidationFailed(message, code="two_factor_required_first", fields={"require_two_factor": [message]})


def _check_tax_identity(*, country, is_business, vat_number, siren, einvoicing_address):
    errors = {}
    for field, check, value in (
        ("vat_number", lambda v: validators.check_vat_number(v, country), vat_number),
        ("siren", validators.check_siren, siren),
        ("siren", lambda v: validators.check_siren_given(v, country=country, is_business=is_business), siren),
        ("einvoicing_address", lambda v: validators.check_routing_address(v, country=country, siren=siren), einvoicing_address),
    ):
        if field in errors:
            continue
        try:
            check(value)
        except DjangoValidationError as error:
            errors[field] = error.messages
    if errors:
        raise ValidationFailed(_("The billing identity is not valid."), code="invalid_tax_identity", fields=errors)


def _vies_check(vat_number, country):
    """The VIES fields to store with a new VAT number (none to ask outside the EU)."""
    if not vat_number or country not in validators.EU_COUNTRIES:
        return {"vat_check_status": "", "vat_checked_at": None, "vat_check_reference": ""}
    answer = vies.check(vat_number)
    if answer.status == "invalid":
        message = _("The EU's VIES service does not know this VAT number: check it with your tax office.")
        raise ValidationFailed(message, code="vat_number_refused", fields={"vat_number": [message]})
    return {"vat_check_status": answer.status, "vat_checked_at": answer.checked_at, "vat_check_reference": answer.reference}


def due_vat_rechecks(*, now=None):
    """The organizations whose EU VAT number VIES should be asked about again, the longest
    unchecked first: never asked, unavailable last time, or answered over VIES_RECHECK_DAYS ago."""
    now = now or timezone.now()
    stale = now - timedelta(days=settings.VIES_RECHECK_DAYS)
    return (
        Organization.objects.filter(country__in=validators.EU_COUNTRIES, is_active=True)
        .exclude(vat_number="")
        .filter(Q(vat_checked_at__isnull=True) | Q(vat_check_status="unavailable") | Q(vat_checked_at__lt=stale))
        .order_by(F("vat_checked_at").asc(nulls_first=True), "pk")
    )


def recheck_vat_numbers(*, limit, now=None):
    """Ask VIES again about at most `limit` due numbers (due_vat_rechecks), outside any
    transaction, and record each answer as a change of number does (date, result, consultation
    number): a number VIES now refuses earns no reverse charge on the next invoice. VIES answers
    per member state: once one is unavailable, this run asks it nothing more, and a stored
    answer is never replaced by "unavailable". Returns counts by answer."""
    counts = Counter()
    down = set()
    for organization in due_vat_rechecks(now=now).iterator():
        if sum(counts.values()) >= limit:
            break
        number = organization.vat_number
        # A malformed number earns no reverse charge whatever VIES says (billing.tax_identity).
        if organization.country in down or not validators.vat_number_valid(number, organization.country):
            continue
        answer = vies.check(validators.normalize_vat_number(number))
        counts[answer.status] += 1
        if answer.status == "unavailable":
            down.add(organization.country)
            if organization.vat_check_status in ("valid", "invalid"):
                continue
        _record_vies_answer(organization, answer)
    return counts


def _record_vies_answer(organization, answer):
    fields = {"vat_check_status": answer.status, "vat_checked_at": answer.checked_at, "vat_check_reference": answer.reference}
    # Only if the number is still the one asked about: a new number was checked when it was typed.
    current = Organization.objects.filter(pk=organization.pk, vat_number=organization.vat_number)
    if current.update(**fields) and answer.status != organization.vat_check_status:
        audit.record(
            actor=None,
            action="vat_number_rechecked",
            target=organization,
            before={"vat_check_status": organization.vat_check_status},
            after={"vat_check_status": answer.status, "vat_check_reference": answer.reference},
        )


@transaction.atomic
def _save_organization(organization, user, fields):
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if fields.get("currency", locked.currency) != locked.currency and locks.currency_locked(locked):
        message = _("The currency cannot change once the organization has invoices or a subscription: contact us to migrate it.")
        raise Conflict(message, code="currency_locked", fields={"currency": [message]})
    for name, value in fields.items():
        setattr(organization, name, value)
    organization.save(update_fields=[*fields, "updated_at"])
    logger.info("organization_updated org=%s user=%s fields=%s", organization.pk, user.pk, ",".join(sorted(fields)))
    return organization


def invitation_link(invitation):
    token = signing.dumps({"id": invitation.pk}, salt=INVITE_SALT)
    return settings.SITE_URL + reverse("accounts:accept_invitation", args=[token])


@transaction.atomic
def invite_member(*, organization, invited_by, email, role=Membership.Role.MEMBER):
    require_manager(user=invited_by, organization=organization)
    email = email.strip().lower()
    if role not in Membership.Role.values:
        raise ValidationFailed(_("Unknown role."), fields={"role": [_("Choose owner, admin or member.")]})
    if role == Membership.Role.OWNER and not _is_owner(invited_by, organization):
        raise Forbidden(_("Only owners can invite another owner."))
    if organization.memberships.filter(user__email__iexact=email).exists():
        raise Conflict(
            _("%(email)s is already a member.") % {"email": email},
            code="already_member",
            fields={"email": [_("Already a member.")]},
        )
    # An expired invitation no longer blocks a new one for the same address.
    organization.invitations.filter(
        email=email, accepted_at__isnull=True, created_at__lt=timezone.now() - settings.INVITATION_MAX_AGE
    ).delete()
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(organization=organization, email=email, role=role, invited_by=invited_by)
    except IntegrityError:
        raise Conflict(
            _("%(email)s already has a pending invitation.") % {"email": email},
            code="already_invited",
            fields={"email": [_("Already invited.")]},
        ) from None
    send_email(
        to=email,
        template="accounts/emails/invitation",
        kind="invitation",
        locale=organization.locale,
        context={
            "organization": organization,
            "inviter": invited_by,
            "role": invitation.get_role_display(),
            "link": invitation_link(invitation),
        },
        related=invitation,
    )
    logger.info("member_invited org=%s invitation=%s", organization.pk, invitation.pk)
    return invitation


def revoke_invitation(*, organization, user, invitation_id):
    require_manager(user=user, organization=organization)
    deleted, _rows = organization.invitations.filter(pk=invitation_id, accepted_at__isnull=True).delete()
    if not deleted:
        raise NotFound(_("No such pending invitation."))


def invitation_from_token(token):
    """The pending invitation a link points to (for the accept page), or a domain error."""
    try:
        data = signing.loads(token, salt=INVITE_SALT, max_age=settings.INVITATION_MAX_AGE)
    except signing.BadSignature:
        raise ValidationFailed(_("This invitation link is not valid or has expired."), code="link_invalid") from None
    invitation = Invitation.objects.select_related("organization").filter(pk=data["id"], accepted_at__isnull=True).first()
    if invitation is None:
        raise ValidationFailed(_("This invitation was already used or withdrawn."), code="link_invalid")
    return invitation


@transaction.atomic
def accept_invitation(*, token, user):
    invitation = invitation_from_token(token)
    invitation = Invitation.objects.select_for_update().filter(pk=invitation.pk, accepted_at__isnull=True).first()
    if invitation is None:
        raise ValidationFailed(_("This invitation was already used or withdrawn."), code="link_invalid")
    if invitation.email.lower() != user.email.lower():
        raise Forbidden(
            _("This invitation is for %(email)s. Log in with that address to accept it.") % {"email": invitation.email}
        )
    Membership.objects.get_or_create(user=user, organization=invitation.organization, defaults={"role": invitation.role})
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    if user.email_verified_at is None:
        # The link reached this address, which proves it as well as the verification link would.
        user.email_verified_at = invitation.accepted_at
        user.save(update_fields=["email_verified_at"])
    logger.info("invitation_accepted org=%s user=%s", invitation.organization_id, user.pk)
    return invitation.organization


def _member(organization, membership_id):
    member = Membership.objects.select_related("user").filter(organization=organization, pk=membership_id).first()
    if member is None:
        raise NotFound(_("No such member."))
    return member


@transaction.atomic
def change_member_role(*, organization, user, membership_id, role):
    """Owners change anyone's role; admins only between admin and member. Never zero owners."""
    require_manager(user=user, organization=organization)
    if role not in Membership.Role.values:
        raise ValidationFailed(_("Unknown role."), fields={"role": [_("Choose owner, admin or member.")]})
    owners = _lock_owners(organization)
    member = _member(organization, membership_id)
    touches_owner = Membership.Role.OWNER in (role, member.role)
    if touches_owner and not any(o.user_id == user.pk for o in owners):
        raise Forbidden(_("Only owners can give or take the owner role."))
    if member.role == Membership.Role.OWNER and role != Membership.Role.OWNER and len(owners) == 1:
        raise Conflict(_("An organization needs at least one owner: make someone else owner first."), code="last_owner")
    member.role = role
    member.save(update_fields=["role"])
    logger.info("member_role_changed org=%s member=%s role=%s by=%s", organization.pk, member.pk, role, user.pk)
    return member


@transaction.atomic
def remove_member(*, organization, user, membership_id):
    require_manager(user=user, organization=organization)
    owners = _lock_owners(organization)
    member = _member(organization, membership_id)
    if member.role == Membership.Role.OWNER:
        if not any(o.user_id == user.pk for o in owners):
            raise Forbidden(_("Only owners can remove an owner."))
        if len(owners) == 1:
            raise Conflict(_("An organization needs at least one owner: make someone else owner first."), code="last_owner")
    removed = member.user
    member.delete()
    revoke_access(user=removed)  # what they opened while a member ends now, not at its expiry
    if removed.default_organization_id == organization.pk:
        removed.default_organization = removed.organizations.filter(is_active=True).order_by("name").first()
        removed.save(update_fields=["default_organization"])
    logger.info("member_removed org=%s user=%s by=%s", organization.pk, removed.pk, user.pk)
    return removed


def set_language(*, user, locale):
    user.locale = locale
    user.save(update_fields=["locale"])


def update_profile(*, user, first_name, last_name, locale, time_zone=""):
    user.first_name, user.last_name, user.locale, user.time_zone = first_name, last_name, locale, time_zone
    user.save(update_fields=["first_name", "last_name", "locale", "time_zone"])
    return user


def unlock_login(*, user):
    """Forget the failed logins of this address (django-axes), e.g. once its password is reset."""
    removed = axes_reset(username=user.email)
    logger.info("login_unlocked user=%s attempts=%s", user.pk, removed)


def send_password_reset_email(*, user, link):
    send_email(
        to=user.email,
        template="accounts/emails/password_reset",
        kind="password_reset",
        locale=language_for(user),
        context={"user": user, "link": link},
        related=user,
    )


# --- Two-factor authentication (django-otp: TOTP device + static recovery codes) -------------


def start_totp_enrolment(*, user):
    """The unconfirmed TOTP device behind the QR code: the same one until confirmed, so reloading
    the page does not invalidate a secret the user has already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def confirm_totp_enrolment(*, user, token, request=None):
    """Confirm the new device; every other session and token of the account ends (`request`'s browser stays)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token):
        raise ValidationFailed(
            _("That code is not right. Check the time on your phone and try again."),
            code="invalid_otp",
            fields={"token": [_("Invalid code.")]},
        )
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = regenerate_recovery_codes(user=user)
    revoke_access(user=user, request=request)
    return device, codes


@transaction.atomic
def regenerate_recovery_codes(*, user):
    """New one-time recovery codes (shown once); the old ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name="Recovery codes", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def disable_two_factor(*, user, password, request=None):
    """Turn 2FA off; the password is asked again so a borrowed open session cannot do it."""
    if not user.check_password(password):
        raise ValidationFailed(
            _("Your password is not right."), code="invalid_password", fields={"password": [_("Wrong password.")]}
        )
    reset_two_factor(user=user, request=request)


@transaction.atomic
def reset_two_factor(*, user, by=None, request=None):
    """Remove the user's devices and recovery codes (their own choice, or staff helping after a lost
    phone); every session and token of the account ends (but `request`'s own browser)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    revoke_access(user=user, request=request)
    logger.info("two_factor_disabled user=%s by=%s", user.pk, by.pk if by else user.pk)


def verify_second_factor(*, user, token):
    """The device that accepts `token` (a TOTP code or an unused recovery code), or None."""
    token = "".join((token or "").split()).lower()
    # Digits are app codes, letters recovery codes: a typo in one does not throttle the other device.
    model = TOTPDevice if token.isdigit() else StaticDevice
    for device in model.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


# --- Sessions and tokens follow the credentials ------------------------------------------------


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def track_login(*, request, user):
    """Remember the browser session a login opened (user_logged_in), so its owner can see and end it."""
    session = getattr(request, "session", None)
    if hasattr(request, "_request") or not isinstance(session, SessionBase):
        return  # an API login (DRF's request) gets tokens, not a session
    if session.session_key is None:
        session.save()
    LoginSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "ip_address": client_address(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        },
    )


def client_address(request):
    """The client's address as the throttles see it (TRUSTED_PROXY_COUNT)."""
    return (throttling.client_address(request) or "").split(",")[0].strip() or None


def forget_login(*, session_key):
    LoginSession.objects.filter(session_key=session_key).delete()


@transaction.atomic
def revoke_access(*, user, request=None):
    """End every session and refresh token of `user`, and refuse the access tokens issued so far
    (accounts.authentication compares their issue time with `credentials_changed_at`).

    With the `request` of the user's own page (they changed their password or second factor),
    that browser stays logged in, under a new session key."""
    now = timezone.now()
    user.credentials_changed_at = now
    User.objects.filter(pk=user.pk).update(credentials_changed_at=now)
    live = OutstandingToken.objects.filter(user=user, expires_at__gt=now, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in live], ignore_conflicts=True)
    store = _session_store()
    for key in LoginSession.objects.filter(user=user).values_list("session_key", flat=True):
        store().delete(key)
    LoginSession.objects.filter(user=user).delete()
    if request is not None and request.user.is_authenticated and request.user.pk == user.pk:
        request.user.credentials_changed_at = now
        update_session_auth_hash(request, request.user)  # a new key, and the new hash
        track_login(request=request, user=request.user)
    logger.info("access_revoked user=%s kept_session=%s", user.pk, request is not None)


# The JWT claim saying the token was obtained with a second factor (copied on refresh).
OTP_CLAIM = "otp"


def issued_before_credentials_changed(user, token):
    """Whether a JWT (its `iat`, whole seconds) predates the user's last credential change."""
    changed = user.credentials_changed_at
    return changed is not None and token.payload.get("iat", 0) < int(changed.timestamp())


def end_session(*, user, session_id):
    """The user ends one of their browser sessions (another organization's or user's is a 404)."""
    login_session = LoginSession.objects.filter(user=user, pk=session_id).first()
    if login_session is None:
        raise NotFound(_("No such session."))
    _session_store()().delete(login_session.session_key)
    login_session.delete()
    logger.info("session_ended user=%s session=%s", user.pk, session_id)


def revoke_token(*, user, token_id):
    """The user revokes one of their refresh tokens (an app stays logged out once its access token expires)."""
    token = OutstandingToken.objects.filter(user=user, pk=token_id, expires_at__gt=timezone.now()).first()
    if token is None:
        raise NotFound(_("No such token."))
    BlacklistedToken.objects.get_or_create(token=token)
    logger.info("token_revoked user=%s token=%s", user.pk, token_id)
