import pytest

from coupons import demo, services
from coupons.models import Coupon
from coupons.tests.factories import paid_invoice

pytestmark = pytest.mark.django_db


def test_demo_campaigns_are_created_once_and_work(organization, other_organization):
    demo.seed(log=lambda line: None)
    demo.seed(log=lambda line: None)

    codes = ["WELCOME2025", "BLACKFRIDAY", "FIRST5000", "LOYALTY20", "REFERRAL"]
    assert Coupon.objects.filter(code__in=codes).count() == 5

    def check(code, org, amount, currency):
        return services.validate(code=code, organization=org, amount=amount, currency=currency)

    assert check("WELCOME2025", organization, 10000, "EUR").discount == 3000
    assert check("BLACKFRIDAY", organization, 10001, "EUR").discount == 5001  # 5000.5 rounds half-up
    assert check("FIRST5000", other_organization, 12000, "XOF").final_amount == 7000
    assert check("FIRST5000", organization, 12000, "EUR").reason == "currency_mismatch"
    assert check("LOYALTY20", organization, 10000, "EUR").reason == "not_eligible"
    paid_invoice(organization)
    assert check("LOYALTY20", organization, 10000, "EUR").discount == 2000
    assert check("WELCOME2025", organization, 10000, "EUR").reason == "not_eligible"
    assert check("REFERRAL", other_organization, 3333, "XOF").discount == 500  # 499.95 XOF rounds to 500
