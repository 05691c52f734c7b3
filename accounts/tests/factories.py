import factory
from django.utils import timezone

from accounts.models import Membership, Organization, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password("correct-horse-battery")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    currency = "EUR"
    locale = "en"
    country = "FR"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.OWNER

    @factory.post_generation
    def set_default(obj, create, extracted, **kwargs):
        if create and obj.user.default_organization_id is None:
            obj.user.default_organization = obj.organization
            obj.user.save(update_fields=["default_organization"])


def confirmed_totp(user):
    """A confirmed TOTP device for `user`, as after enrolment."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def totp_code(device, offset=0):
    """The code the user's authenticator app shows now (offset in steps)."""
    from django_otp.oath import totp

    return str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)).zfill(device.digits)


def login_with_2fa(client, user):
    """A session for `user` that passed the TOTP step, as staff surfaces require (core.permissions)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = user.totpdevice_set.filter(confirmed=True).first() or confirmed_totp(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def token_with_2fa(user):
    """A JWT access token obtained with a second factor (its `otp` claim), as the staff API requires."""
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.services import OTP_CLAIM

    if not user.totpdevice_set.filter(confirmed=True).exists():
        confirmed_totp(user)
    refresh = RefreshToken.for_user(user)
    refresh[OTP_CLAIM] = True
    return str(refresh.access_token)


def api_with_2fa(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_with_2fa(user)}")
    return api_client
