from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from core.errors import Conflict, Unprocessable
from coupons import selectors, services
from coupons.models import Coupon, CouponUsage
from coupons.tests.factories import CouponFactory, FixedCouponFactory, paid_invoice

pytestmark = pytest.mark.django_db


def check(code, organization, amount=10000, currency="EUR", **kwargs):
    return services.validate(code=code, organization=organization, amount=amount, currency=currency, **kwargs)


def reserve(code, organization, user=None, amount=10000, currency="EUR", target_id="1", target_type="order", **kwargs):
    return services.reserve(
        code=code, organization=organization, user=user, amount=amount, currency=currency,
        target_type=target_type, target_id=target_id, **kwargs,
    )  # fmt: skip


def test_percentage_rounds_half_up_in_the_minor_unit(organization):
    CouponFactory(code="TEN", percent_off=Decimal("10.00"))
    result = check("ten", organization, amount=1995)
    assert (result.valid, result.code, result.discount, result.final_amount) == (True, "TEN", 200, 1795)
    CouponFactory(code="THIRD", percent_off=Decimal("33.33"))
    assert check("THIRD", organization, amount=5000, currency="XOF").discount == 1667  # 1666.5 XOF rounds up


def test_fixed_coupon_larger_than_the_total_gives_zero_not_negative(organization):
    FixedCouponFactory(code="BIG", amount_off=5000)
    result = check("BIG", organization, amount=1200)
    assert (result.discount, result.final_amount) == (1200, 0)
    usage = reserve("BIG", organization, amount=1200)
    assert (usage.discount, usage.final_amount) == (1200, 0)


def test_default_codes_against_their_minimums_in_eur_and_xof(organization):
    assert check("BIENVENUE10", organization, amount=1999).reason == "below_minimum"
    # Outside a request, the default language: French.
    assert "20,00\xa0€" in check("BIENVENUE10", organization, amount=1999).message
    assert check("BIENVENUE10", organization, amount=2000).discount == 200
    assert check("VIP20", organization, amount=4999).reason == "below_minimum"
    assert check("VIP20", organization, amount=5000).discount == 1000
    assert check("PROMO5", organization, amount=1499).reason == "below_minimum"
    assert check("PROMO5", organization, amount=1500).final_amount == 1000
    assert check("FLASH50", organization, amount=9999).reason == "below_minimum"
    assert check("FLASH50", organization, amount=10000).discount == 5000
    # XOF carts: percentage codes have their own XOF minimum; the EUR amount off is refused, not converted.
    assert check("BIENVENUE10", organization, amount=13118, currency="XOF").reason == "below_minimum"
    assert check("BIENVENUE10", organization, amount=20000, currency="XOF").discount == 2000
    promo = check("PROMO5", organization, amount=50000, currency="XOF")
    assert (promo.valid, promo.reason, promo.discount) == (False, "currency_mismatch", 0)


def test_default_codes_carry_their_use_limits():
    limits = dict(Coupon.objects.filter(code__in=["BIENVENUE10", "VIP20", "PROMO5", "FLASH50"]).values_list("code", "max_uses"))
    assert limits == {"BIENVENUE10": 100, "VIP20": 50, "PROMO5": 0, "FLASH50": 10}


def test_percentage_code_without_minimum_in_the_cart_currency_is_refused(organization):
    CouponFactory(code="EURONLY", minimums={"EUR": 1000})
    result = check("EURONLY", organization, amount=100000, currency="XOF")
    assert result.reason == "currency_mismatch" and "EUR" in result.message


def test_release_on_cancel_gives_the_use_back(organization, user):
    CouponFactory(code="ONE", max_uses=1)
    reserve("ONE", organization, user, target_id="7")
    assert Coupon.objects.get(code="ONE").uses == 1
    with pytest.raises(Unprocessable) as refused:
        reserve("ONE", organization, user, target_id="8")
    assert refused.value.code == "used_up"

    services.release(target_type="order", target_id="7")
    services.release(target_type="order", target_id="7")  # a second cancel changes nothing

    assert Coupon.objects.get(code="ONE").uses == 0
    assert CouponUsage.objects.get(target_id="7").status == "released"
    assert reserve("ONE", organization, user, target_id="8").status == "reserved"


def test_confirm_marks_the_use_paid_and_keeps_it_counted(organization, user):
    CouponFactory(code="PAY", max_uses=5)
    reserve("PAY", organization, user, target_id="9")
    invoice = paid_invoice(organization, source_type="order", source_id="9")

    services.confirm(target_type="order", target_id="9")
    services.release(target_type="order", target_id="9")  # a paid order's use is not given back

    usage = CouponUsage.objects.get(target_id="9")
    assert (usage.status, usage.invoice_id) == ("confirmed", invoice.pk)
    assert usage.confirmed_at is not None
    assert Coupon.objects.get(code="PAY").uses == 1


def test_confirm_and_release_without_a_coupon_do_nothing(db):
    assert services.confirm(target_type="order", target_id="404") is None
    assert services.release(target_type="order", target_id="404") is None


def test_one_live_coupon_per_order(organization, user):
    CouponFactory(code="A")
    CouponFactory(code="B")
    reserve("A", organization, user, target_id="3")
    with pytest.raises(Conflict):
        reserve("B", organization, user, target_id="3")
    assert Coupon.objects.get(code="B").uses == 0


def test_per_organization_limit(organization, user, other_organization):
    CouponFactory(code="ONCEEACH", max_uses_per_organization=1)
    reserve("ONCEEACH", organization, user, target_id="1")
    assert check("ONCEEACH", organization).reason == "used_up_for_organization"
    assert check("ONCEEACH", other_organization, currency="XOF").valid
    services.release(target_type="order", target_id="1")
    assert check("ONCEEACH", organization).valid


def test_eligibility_follows_paid_invoices(organization):
    CouponFactory(code="NEWONLY", eligibility="new_customers")
    CouponFactory(code="LOYAL", eligibility="existing_customers")
    assert check("NEWONLY", organization).valid
    assert check("LOYAL", organization).reason == "not_eligible"
    paid_invoice(organization)
    assert check("NEWONLY", organization).reason == "not_eligible"
    assert check("LOYAL", organization).valid


def test_first_payment_only_is_per_kind_of_purchase(organization):
    CouponFactory(code="FIRST", first_payment_only=True)
    paid_invoice(organization, source_type="order", source_id="1")
    assert check("FIRST", organization).reason == "first_payment_only"
    assert check("FIRST", organization, plan_code="pro").valid  # a first subscription is still welcome


def test_validity_window(organization):
    coupon = CouponFactory(code="WINDOW", valid_to=timezone.now() + timezone.timedelta(days=2))
    with time_machine.travel(coupon.valid_from - timezone.timedelta(hours=1)):
        assert check("WINDOW", organization).reason == "not_yet_valid"
    with time_machine.travel(coupon.valid_to + timezone.timedelta(seconds=1)):
        assert check("WINDOW", organization).reason == "expired"
    assert check("WINDOW", organization).valid


def test_terms_and_discount_for_once_repeating_forever():
    CouponFactory(code="ONCE", percent_off=Decimal("25.00"))
    CouponFactory(code="THREE", percent_off=Decimal("25.00"), duration="repeating", duration_months=3)
    FixedCouponFactory(code="ALWAYS", amount_off=300, duration="forever")

    def invoices_discounted(code, months=12):
        """Billing's side: it stores terms.invoice_count on the subscription and counts it down
        on each monthly invoice (None = forever)."""
        terms = selectors.subscription_terms(code=code.lower())
        remaining, discounts = terms.invoice_count(), []
        for _ in range(months):
            covered = remaining is None or remaining > 0
            discounts.append(selectors.discount_for(terms=terms, amount=1900, currency="EUR") if covered else 0)
            if remaining:
                remaining -= 1
        return discounts

    assert invoices_discounted("ONCE") == [475] + [0] * 11
    assert invoices_discounted("THREE") == [475, 475, 475] + [0] * 9
    assert invoices_discounted("ALWAYS") == [300] * 12
    assert selectors.subscription_terms(code="three").duration_months == 3
    terms = selectors.subscription_terms(code="ALWAYS")
    assert selectors.discount_for(terms=terms, amount=200, currency="EUR") == 200
    assert selectors.discount_for(terms=terms, amount=5000, currency="XOF") == 0


def test_plan_restricted_coupon(organization):
    from billing.tests.factories import PlanFactory

    CouponFactory(code="PROONLY", plans=[PlanFactory(code="pro").code])
    assert check("PROONLY", organization, plan_code="pro").valid
    assert check("PROONLY", organization, plan_code="business").reason == "not_applicable"
    assert check("PROONLY", organization).reason == "not_applicable"  # not for a cart


def test_product_and_category_restrictions(organization):
    from catalog.tests.factories import CategoryFactory, ProductFactory

    category, product = CategoryFactory(slug="images"), ProductFactory(slug="ebook-pack")
    CouponFactory(code="IMAGES", categories=[category.slug], products=[product.slug])
    assert check("IMAGES", organization, category_refs=["images"]).valid
    assert check("IMAGES", organization, product_refs=["ebook-pack", "other"]).valid
    assert check("IMAGES", organization, product_refs=["other"], category_refs=["audio"]).reason == "not_applicable"
    assert check("IMAGES", organization, plan_code="pro").reason == "not_applicable"
