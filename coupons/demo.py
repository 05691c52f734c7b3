"""The campaign examples of the coupons feature report (seed 002), created once through the same
service as the staff API so they obey every rule; running again changes nothing."""

from decimal import Decimal

from coupons import services
from coupons.models import Coupon

CAMPAIGNS = [
    # code, name, terms, eligibility
    ("WELCOME2025", "Welcome 2025: 30% off", {"discount_type": "percentage", "percent_off": Decimal("30")}, "new_customers"),
    ("BLACKFRIDAY", "Black Friday: 50% off", {"discount_type": "percentage", "percent_off": Decimal("50")}, "all"),
    (
        "FIRST5000",
        "5 000 F CFA off a first order",
        {"discount_type": "fixed_amount", "amount_off": 5000, "currency": "XOF"},
        "new_customers",
    ),
    ("LOYALTY20", "Loyalty: 20% off", {"discount_type": "percentage", "percent_off": Decimal("20")}, "existing_customers"),
    ("REFERRAL", "Referral: 15% off", {"discount_type": "percentage", "percent_off": Decimal("15")}, "all"),
]


def seed(log):
    for code, name, terms, eligibility in CAMPAIGNS:
        if not Coupon.objects.filter(code=code).exists():
            services.create_coupon(code=code, name=name, eligibility=eligibility, **terms)
            log(f"  coupon {code}")
