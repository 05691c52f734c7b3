"""Saved payment methods: add one (tokenized by the provider; the first is the default; the same
card or phone number again is the method already saved), choose the default, remove one that no
payment in flight uses."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from billing import providers
from billing.models import Payment, PaymentMethod
from core.errors import Conflict


@transaction.atomic
def add_payment_method(*, organization, provider, details, make_default=False):
    gateway = providers.get(provider)
    customer = (
        PaymentMethod.objects.filter(organization=organization, provider=provider)
        .exclude(provider_customer="")
        .values_list("provider_customer", flat=True)
        .first()
        or ""
    )
    saved = gateway.save_method(organization=organization, details=details, customer=customer)
    known = saved.fingerprint and (
        PaymentMethod.objects.filter(organization=organization, provider=provider, fingerprint=saved.fingerprint).first()
    )
    if known:
        return set_default_payment_method(method=known) if make_default else known
    first = not PaymentMethod.objects.filter(organization=organization).exists()
    if make_default and not first:
        PaymentMethod.objects.filter(organization=organization, is_default=True).update(is_default=False)
    try:
        with transaction.atomic():
            return PaymentMethod.objects.create(
                organization=organization,
                provider=provider,
                kind=saved.kind,
                provider_token=saved.token,
                provider_customer=saved.customer,
                brand=saved.brand,
                last4=saved.last4,
                phone_masked=saved.phone_masked,
                operator=saved.operator,
                exp_month=saved.exp_month,
                exp_year=saved.exp_year,
                fingerprint=saved.fingerprint,
                is_default=first or make_default,
            )
    except IntegrityError:
        raise Conflict(_("This payment method is already saved."), code="payment_method_exists") from None


@transaction.atomic
def set_default_payment_method(*, method):
    PaymentMethod.objects.filter(organization=method.organization_id, is_default=True).update(is_default=False)
    PaymentMethod.objects.filter(pk=method.pk).update(is_default=True)
    method.is_default = True
    return method


@transaction.atomic
def remove_payment_method(*, method):
    if method.payments.filter(status__in=Payment.IN_FLIGHT).exists():
        raise Conflict(_("A payment with this method is in progress."), code="payment_method_in_use")
    was_default, organization_id = method.is_default, method.organization_id
    method.delete()
    if was_default:
        successor = PaymentMethod.objects.filter(organization=organization_id).order_by("-created_at").first()
        if successor:
            set_default_payment_method(method=successor)
