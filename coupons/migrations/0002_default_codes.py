"""The default promo codes (editable afterwards in Django Admin or the staff API).

Minimums are per currency and nothing is converted at checkout. The percentage codes also get an
XOF minimum, written here once from the fixed EUR/XOF parity (1 EUR = 655.957 XOF, rounded half-up
to a whole franc), so XOF carts can use them; PROMO5 is 5 EUR off and stays EUR-only (an XOF cart
gets `currency_mismatch`).
"""

from django.db import migrations

DEFAULTS = [
    # code, name, percent, amount off (EUR cents), max uses, minimums
    ("BIENVENUE10", "Welcome: 10% off", "10.00", None, 100, {"EUR": 2000, "XOF": 13119}),
    ("VIP20", "VIP: 20% off", "20.00", None, 50, {"EUR": 5000, "XOF": 32798}),
    ("PROMO5", "5 EUR off", None, 500, 0, {"EUR": 1500}),
    ("FLASH50", "Flash sale: 50% off", "50.00", None, 10, {"EUR": 10000, "XOF": 65596}),
]


def create_defaults(apps, schema_editor):
    Coupon = apps.get_model("coupons", "Coupon")
    CouponMinimum = apps.get_model("coupons", "CouponMinimum")
    for code, name, percent, amount, max_uses, minimums in DEFAULTS:
        coupon, created = Coupon.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "discount_type": "percentage" if percent else "fixed_amount",
                "percent_off": percent,
                "amount_off": amount,
                "currency": "" if percent else "EUR",
                "max_uses": max_uses,
            },
        )
        if created:
            CouponMinimum.objects.bulk_create(CouponMinimum(coupon=coupon, currency=c, amount=a) for c, a in minimums.items())


class Migration(migrations.Migration):
    dependencies = [("coupons", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
