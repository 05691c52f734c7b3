"""Demo plans, and invoices for the demo organizations so every billing page shows something real."""

from decimal import Decimal

from django.utils.translation import gettext_noop

from accounts.models import Organization
from billing import payments, services
from billing.models import DEFAULT_STEPS, DunningPolicy, DunningStep, Plan, PlanPrice

GB = 1024**3
PLANS = [
    # code, name, tier, interval, trial days, EUR, XOF, limits, features (what the limits do not already
    # say; pages show a feature in French when the catalogue has it, see plan_limits.html)
    (
        "free",
        "Free",
        "free",
        "month",
        0,
        0,
        0,
        {
            "traffic_bytes": 1 * GB,
            "storage_bytes": GB // 2,
            "generation_credits": 50,
            "concurrent_jobs": 1,
            "memory_mb": 512,
            "support_priority": "low",
        },
        [gettext_noop("Offline generation provider"), gettext_noop("Community support")],
    ),
    (
        "pro-monthly",
        "Pro",
        "pro",
        "month",
        14,
        1900,
        12000,
        {
            "traffic_bytes": 50 * GB,
            "storage_bytes": 20 * GB,
            "generation_credits": 1000,
            "concurrent_jobs": 3,
            "memory_mb": 2048,
            "support_priority": "high",
        },
        [gettext_noop("Every AI provider"), gettext_noop("Paid add-ons (RAM, traffic, storage)")],
    ),
    (
        "pro-yearly",
        "Pro",
        "pro",
        "year",
        14,
        19000,
        120000,
        {
            "traffic_bytes": 50 * GB,
            "storage_bytes": 20 * GB,
            "generation_credits": 12000,
            "concurrent_jobs": 3,
            "memory_mb": 2048,
            "support_priority": "high",
        },
        [
            gettext_noop("Two months free"),
            gettext_noop("Every AI provider"),
            gettext_noop("Paid add-ons (RAM, traffic, storage)"),
        ],
    ),
    (
        "business-monthly",
        "Business",
        "business",
        "month",
        14,
        4900,
        32000,
        {
            "traffic_bytes": None,
            "storage_bytes": 200 * GB,
            "generation_credits": 5000,
            "concurrent_jobs": 10,
            "memory_mb": 8192,
            "support_priority": "urgent",
        },
        [gettext_noop("Urgent support with a 4-hour response")],
    ),
]


def seed(log):
    for order, (code, name, tier, interval, trial, eur, xof, limits, features) in enumerate(PLANS):
        plan, _ = Plan.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "tier": tier,
                "interval": interval,
                "trial_days": trial,
                "features": features,
                "sort_order": order,
                **limits,
            },
        )
        for currency, amount in (("EUR", eur), ("XOF", xof)):
            PlanPrice.objects.get_or_create(plan=plan, currency=currency, defaults={"amount": amount})
    _alice()
    _bob()
    _bob_policy()


def line(description, *, unit_amount, french_rate="20.00", quantity=1, discount_amount=0):
    return services.LineSpec(
        description=description,
        quantity=quantity,
        unit_amount=unit_amount,
        french_rate=Decimal(french_rate),
        discount_amount=discount_amount,
    )


def _render(invoice):
    return services.store_invoice_pdf(invoice=invoice)


def _alice():
    org = Organization.objects.get(slug="alice-studio")
    if org.invoices.exists():
        return
    subscription = services.subscribe(organization=org, plan=Plan.objects.get(code="pro-monthly"))
    first = subscription.invoices.get()
    services.mark_invoice_paid(invoice=first, amount=first.total, reference="demo-card-4242")
    _render(first)
    extra = services.create_invoice(
        organization=org,
        source_type="manual",
        source_id="demo-credits",
        lines=[
            line("Pack 500 crédits de génération", unit_amount=900),
            line("Ebook « Guide du prompt »", quantity=2, unit_amount=1250, french_rate="5.50", discount_amount=250),
        ],
    )
    _render(extra)
    payments.add_payment_method(organization=org, provider="sandbox", details={"card_number": "4242424242424242"})


def _bob():
    org = Organization.objects.get(slug="bob-digital")
    if org.invoices.exists():
        return
    services.subscribe(organization=org, plan=Plan.objects.get(code="free"))
    issued = services.create_invoice(
        organization=org,
        source_type="manual",
        source_id="demo-credits",
        lines=[line("Pack 2 000 crédits de génération", unit_amount=25000)],
    )
    _render(issued)


def _bob_policy():
    """Bob's own dunning policy (the per-organization override): the default steps, but his one-off
    invoice, once overdue, suspends him at D+30, so `run_billing_task dunning --date ...` with dates
    after its due date shows every step."""
    org = Organization.objects.get(slug="bob-digital")
    policy, created = DunningPolicy.objects.get_or_create(
        organization=org,
        defaults={
            "name": "Bob Digital: suspend for any overdue invoice",
            "suspend_for_any_invoice": True,
            "retry_days": [1, 3, 6],
        },
    )
    if created:
        DunningStep.objects.bulk_create(
            DunningStep(policy=policy, position=i, offset_days=offset, action=action)
            for i, (offset, action) in enumerate(DEFAULT_STEPS)
        )
