"""Render time of the revenue dashboard on a large book (run on purpose, not in the tests).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/webox_backoffice REDIS_URL=redis://127.0.0.1:6379/11 \
        .venv/bin/python bench/backoffice_dashboard.py [--invoices 100000] [--subscriptions 10000]

Creates a throw-away test database (Django's test_<name>), fills it with organizations, one
subscription each (monthly and yearly plans, two currencies, some with a coupon, trials, past due,
suspended), twelve months of MRR history, and invoices (paid, open, overdue) with some credit
notes; then renders /backoffice/ for a 2FA-verified superuser with an empty cache (cold) and again
(warm), and once more after a payment's cache bump (only the cash figures recomputed), and prints
the times. The test database is dropped at the end.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from backoffice import cache as backoffice_cache  # noqa: E402

BATCH = 5000


def fill(invoices, subscriptions):
    from accounts.models import Organization, User
    from backoffice.models import MrrSnapshot
    from billing.models import CreditNote, Invoice, Plan, PlanPrice, Subscription
    from coupons.models import Coupon

    rng = random.Random(11)
    now = timezone.now()
    monthly = Plan.objects.create(code="bench-pro", name="Pro", tier="pro", interval="month")
    yearly = Plan.objects.create(code="bench-pro-year", name="Pro yearly", tier="pro", interval="year")
    PlanPrice.objects.bulk_create(
        [
            PlanPrice(plan=monthly, currency="EUR", amount=2900),
            PlanPrice(plan=monthly, currency="XOF", amount=19000),
            PlanPrice(plan=yearly, currency="EUR", amount=29000),
            PlanPrice(plan=yearly, currency="XOF", amount=190000),
        ]
    )
    Coupon.objects.create(code="BENCH20", name="Bench", discount_type="percentage", percent_off=20, duration="forever")
    organizations = Organization.objects.bulk_create(
        [Organization(name=f"Bench {n}", slug=f"bench-{n}", currency="EUR" if n % 3 else "XOF") for n in range(subscriptions)],
        batch_size=BATCH,
    )
    statuses = ["active"] * 85 + ["trialing"] * 6 + ["past_due"] * 5 + ["suspended"] * 4
    Subscription.objects.bulk_create(
        [
            Subscription(
                organization=org,
                plan=yearly if n % 5 == 0 else monthly,
                status=rng.choice(statuses),
                currency=org.currency,
                current_period_start=now - timedelta(days=10),
                current_period_end=now + timedelta(days=20),
                coupon_code="BENCH20" if n % 10 == 0 else "",
            )
            for n, org in enumerate(organizations)
        ],
        batch_size=BATCH,
    )
    months = [(date.today().replace(day=1) - timedelta(days=31 * k)).replace(day=1) for k in range(12)]
    MrrSnapshot.objects.bulk_create(
        [
            MrrSnapshot(organization=org, month=month, currency=org.currency, mrr=rng.choice([0, 2900, 2900, 4900, 2417]))
            for org in organizations
            for month in months
        ],
        batch_size=BATCH,
    )
    year = now.year
    rows = []
    for n in range(invoices):
        org = organizations[n % len(organizations)]
        issued = date.today() - timedelta(days=rng.randint(0, 365))
        paid = rng.random() < 0.85
        total = rng.choice([2900, 3480, 19000, 22800])
        rows.append(
            Invoice(
                organization=org,
                status="paid" if paid else "open",
                number=f"B-{year}-{n:07d}",
                year=year,
                sequence=n + 1,
                currency=org.currency,
                source_type="subscription",
                subtotal=total,
                net_total=total,
                total=total,
                amount_paid=total if paid else 0,
                issue_date=issued,
                due_date=issued + timedelta(days=14),
                paid_at=now - (date.today() - issued) if paid else None,
            )
        )
    Invoice.objects.bulk_create(rows, batch_size=BATCH)
    paid_ids = list(Invoice.objects.filter(status="paid").values_list("id", "organization_id", "currency", "total")[:2000])
    CreditNote.objects.bulk_create(
        [
            CreditNote(
                organization_id=org_id,
                invoice_id=invoice_id,
                number=f"AVB-{year}-{n:06d}",
                year=year,
                sequence=n + 1,
                currency=currency,
                reason="Bench",
                net_total=total // 2,
                vat_total=0,
                total=total // 2,
                issue_date=date.today() - timedelta(days=rng.randint(0, 365)),
            )
            for n, (invoice_id, org_id, currency, total) in enumerate(paid_ids)
        ],
        batch_size=BATCH,
    )
    return User.objects.create_superuser(email="bench@example.test", password="bench-password-not-used")


def logged_in(user):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def render(client, query):
    start = time.perf_counter()
    response = client.get("/backoffice/", query)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    return elapsed * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        began = time.perf_counter()
        user = fill(args.invoices, args.subscriptions)
        print(f"filled {args.invoices} invoices, {args.subscriptions} subscriptions in {time.perf_counter() - began:.1f} s")
        client = logged_in(user)
        end = date.today()
        query = {"start": (end.replace(day=1) - timedelta(days=335)).replace(day=1).isoformat(), "end": end.isoformat()}
        render(client, query)  # the first request imports the URL conf and admin: not what is measured
        cold, warm, after_payment = [], [], []
        for _ in range(args.repeats):
            cache.clear()
            cold.append(render(client, query))
            warm.append(render(client, query))
            backoffice_cache.bump(backoffice_cache.INVOICES)  # what a payment does: cash figures only
            after_payment.append(render(client, query))
        print(f"database: {connection.vendor}, cache: {settings.CACHES['default']['BACKEND']}")
        print(f"cold cache: median {statistics.median(cold):.0f} ms (min {min(cold):.0f}, max {max(cold):.0f})")
        for label, times in (("warm cache", warm), ("after a payment", after_payment)):
            print(f"{label}: median {statistics.median(times):.0f} ms (min {min(times):.0f}, max {max(times):.0f})")
    finally:
        cache.clear()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
