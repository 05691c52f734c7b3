from decimal import Decimal

import factory
from django.utils import timezone

from billing.models import Invoice
from billing.tests.factories import invoice
from coupons.models import Coupon, CouponMinimum


class CouponFactory(factory.django.DjangoModelFactory):
    """A 10% coupon with no limits; pass minimums={"EUR": 2000} to add per-currency minimums."""

    class Meta:
        model = Coupon
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"TEST{n}")
    name = factory.LazyAttribute(lambda o: f"Coupon {o.code}")
    discount_type = Coupon.DiscountType.PERCENTAGE
    percent_off = Decimal("10.00")
    amount_off = None
    currency = ""
    valid_from = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))

    @factory.post_generation
    def minimums(coupon, create, extracted, **kwargs):
        for currency, amount in (extracted or {}).items():
            CouponMinimum.objects.create(coupon=coupon, currency=currency, amount=amount)


class FixedCouponFactory(CouponFactory):
    discount_type = Coupon.DiscountType.FIXED_AMOUNT
    percent_off = None
    amount_off = 500
    currency = "EUR"


def paid_invoice(organization, *, source_type="manual", source_id="1"):
    """A finalized invoice marked paid directly: the customer history coupons read, without running
    the paid handlers of an order or subscription that does not exist in these tests."""
    paid = invoice(organization, source_type=source_type, source_id=source_id)
    Invoice.objects.filter(pk=paid.pk).update(status=Invoice.Status.PAID, paid_at=timezone.now(), amount_paid=paid.total)
    return paid
