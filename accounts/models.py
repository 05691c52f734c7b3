import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts.validators import (
    ROUTING_ADDRESS_MAX_LENGTH,
    check_routing_address,
    check_siren,
    check_siren_given,
    check_vat_number,
)
from core.money import CURRENCIES

# Each language named in itself, as language pickers do.
LOCALES = [("fr", "Français"), ("en", "English")]
# B2B payment terms may not exceed 60 days from the invoice date (art. L441-10 of the Commercial Code).
MAX_PAYMENT_TERMS_DAYS = 60
TIME_ZONES = sorted((tz, tz) for tz in zoneinfo.available_timezones() if "/" in tz and not tz.startswith("Etc/"))


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, email_verified_at=timezone.now())
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in by email; belongs to organizations through memberships."""

    email = models.EmailField(_("email"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    # Blank: follow the organization's language, else the browser's (accounts.selectors.preferred_language).
    locale = models.CharField(
        _("language"), max_length=5, choices=[("", _("Same as my organization")), *LOCALES], blank=True, default=""
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=[("", _("Same as my organization")), *TIME_ZONES], blank=True, default=""
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    email_verified_at = models.DateTimeField(_("email verified"), null=True, blank=True)
    # The organization the user works in when no other is chosen (API default, first login).
    default_organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("default organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Sessions and tokens from before this moment are no longer accepted: set when the password,
    # the second factor, the account's activity or a membership changes (accounts.services.revoke_access).
    credentials_changed_at = models.DateTimeField(_("credentials changed"), null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.email

    def credentials_changing(self):
        """Whether saving now sets a new password or deactivates the account (accounts.signals then
        ends its sessions and tokens, whatever path saves it)."""
        return not self._state.adding and (
            self._password is not None or (not self.is_active and User.objects.filter(pk=self.pk, is_active=True).exists())
        )

    def _get_session_auth_hash(self, secret=None):
        # Django ends a session whose hash no longer matches: the hash also follows the moment the
        # credentials last changed, so a revocation ends every session the login-tracking missed.
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        value = self.password + (f"|{self.credentials_changed_at.isoformat()}" if self.credentials_changed_at else "")
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip() or self.email.split("@")[0]

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.first_name or self.full_name

    @property
    def is_verified_email(self):
        return self.email_verified_at is not None


class Organization(models.Model):
    """The customer workspace, and the tenant: every customer-owned row points to one."""

    class Currency(models.TextChoices):
        EUR = "EUR", _("Euro (EUR)")
        XOF = "XOF", _("Franc CFA (XOF)")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    address_line1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR", help_text=_("ISO 3166-1 alpha-2 code"))
    vat_number = models.CharField(_("VAT number"), max_length=30, blank=True)
    # A private person pays VAT where they live; a business may reverse-charge it (billing.tax).
    is_business = models.BooleanField(_("business"), default=True, help_text=_("Unticked for a private person."))
    siren = models.CharField(
        _("SIREN or SIRET"), max_length=14, blank=True, help_text=_("Required for a business registered in France.")
    )
    # The last VIES answer about vat_number (accounts.vies): a number VIES refused earns no reverse charge.
    vat_check_status = models.CharField(
        _("VIES check"),
        max_length=12,
        blank=True,
        choices=[("valid", _("valid")), ("invalid", _("refused")), ("unavailable", _("VIES unavailable"))],
    )
    vat_checked_at = models.DateTimeField(_("VIES checked at"), null=True, blank=True)
    vat_check_reference = models.CharField(_("VIES consultation number"), max_length=64, blank=True)
    billing_email = models.EmailField(_("billing email"), blank=True)
    # BT-49 of its e-invoices (accounts.validators.check_routing_address); empty: its SIREN, else its billing email.
    einvoicing_address = models.CharField(
        _("e-invoicing address"),
        max_length=ROUTING_ADDRESS_MAX_LENGTH,
        blank=True,
        help_text=_(
            "Where your electronic invoices are received. In France: your SIREN, or your SIREN followed by _ and a "
            "SIRET or routing code, as in the directory of e-invoicing platforms; elsewhere an email address. "
            "Empty: your SIREN in France, else the billing email."
        ),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    locale = models.CharField(_("language"), max_length=5, choices=LOCALES, default="fr")
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONES, default="Europe/Paris")
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"),
        default=14,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_PAYMENT_TERMS_DAYS)],
        help_text=_("Invoices are due after this many days (staff only; at most 60, art. L441-10 of the Commercial Code)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    require_two_factor = models.BooleanField(
        _("members need two-factor authentication"),
        default=False,
        help_text=_("Members without an authenticator app set one up before anything else in this organization."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), through="Membership", related_name="organizations"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.CheckConstraint(condition=models.Q(currency__in=CURRENCIES), name="organization_currency_supported"),
            models.CheckConstraint(
                condition=models.Q(payment_terms_days__lte=MAX_PAYMENT_TERMS_DAYS), name="organization_payment_terms_at_most_60"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    def clean(self):
        """The checks of the tax identity, for every form of the model (the admin's too)."""
        errors = {}
        for field, check in (
            ("vat_number", lambda v: check_vat_number(v, self.country)),
            ("siren", check_siren),
            ("einvoicing_address", lambda v: check_routing_address(v, country=self.country, siren=self.siren)),
        ):
            try:
                check(getattr(self, field))
            except ValidationError as error:
                errors[field] = error.messages
        if errors:
            raise ValidationError(errors)

    @property
    def billing_identity_gaps(self):
        """{field: [message]} of what invoices need and the billing identity lacks: the SIREN of
        a business registered in France created before it was asked, a VAT number VIES no longer
        confirms (accounts.services.recheck_vat_numbers). Pages and the API tell the owner;
        billing issues its invoices as PDFs, not as e-invoices, until then."""
        gaps = {}
        try:
            check_siren_given(self.siren, country=self.country, is_business=self.is_business)
        except ValidationError as error:
            gaps["siren"] = error.messages
        if self.vat_number and self.vat_check_status == "invalid":
            gaps["vat_number"] = [
                _(
                    "The EU's VIES service does not confirm the VAT number %(number)s, so your invoices cannot use it "
                    "(no reverse charge): check it with your tax office."
                )
                % {"number": self.vat_number}
            ]
        return gaps

    @property
    def display_legal_name(self):
        return self.legal_name or self.name

    @property
    def address_lines(self):
        city = " ".join(filter(None, [self.postal_code, self.city]))
        return [line for line in (self.address_line1, self.address_line2, city, self.country) if line]

    def local_today(self):
        return timezone.now().astimezone(self.tz).date()

    def owners(self):
        return self.members.filter(memberships__role=Membership.Role.OWNER, memberships__organization=self)


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["organization__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_org")]

    def __str__(self):
        return f"{self.user} in {self.organization} ({self.role})"

    @property
    def can_manage(self):
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


class Invitation(models.Model):
    """An owner's or admin's invitation for an email address to join an organization."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=models.Q(accepted_at__isnull=True),
                name="invitation_one_pending_per_email",
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.organization}"


class LoginSession(models.Model):
    """A browser session a user opened by logging in, so they can see it and end it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="login_sessions"
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("login session")
        verbose_name_plural = _("login sessions")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d %H:%M})"
