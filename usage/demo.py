"""Demo usage: a year of history for the demo organizations, Alice (Pro) near her traffic limit
with a paid Storage add-on, Bob (Free) well inside his. Idempotent."""

from accounts.models import Organization
from billing.services import mark_invoice_paid
from usage import selectors, services
from usage.models import AddonPurchase, Metric, UsageRecord

GB = 1024**3

# Per month, oldest first, the last one being the current month (GB for bytes).
HISTORY = {
    "alice-studio": {
        Metric.TRAFFIC_BYTES: [12, 15, 14, 18, 22, 25, 24, 28, 31, 35, 38, 41],
        Metric.API_REQUESTS: [900, 1100, 1000, 1500, 1800, 2100, 2000, 2600, 2900, 3300, 3500, 3900],
        Metric.GENERATION_CREDITS: [300, 420, 380, 510, 600, 640, 620, 700, 760, 820, 870, None],
        Metric.STORAGE_BYTES: [1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 8, None],
    },
    "bob-digital": {
        Metric.TRAFFIC_BYTES: [0.1, 0.15, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4, 0.5, 0.6, 0.6, 0.7],
        Metric.API_REQUESTS: [40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150],
        Metric.GENERATION_CREDITS: [10, 12, 15, 20, 18, 22, 25, 30, 28, 32, 35, None],
        Metric.STORAGE_BYTES: [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.12, None],
    },
}


def _months(count):
    months = [selectors.month_start()]
    while len(months) < count:
        months.insert(0, selectors.previous_month(months[0]))
    return months


def seed(log):
    for slug, metrics in HISTORY.items():
        org = Organization.objects.filter(slug=slug).first()
        if org is None:
            continue
        for metric, values in metrics.items():
            for month, value in zip(_months(len(values)), values, strict=True):
                if value is None:  # the current month of credits and storage comes from the real work
                    continue
                amount = int(value * GB) if metric in selectors.BYTE_METRICS else int(value)
                UsageRecord.objects.get_or_create(organization=org, metric=metric, month=month, defaults={"value": amount})
    alice = Organization.objects.filter(slug="alice-studio").first()
    if alice is not None and not AddonPurchase.objects.filter(organization=alice).exists():
        owner = alice.owners().first()
        _, invoice = services.purchase_addon(organization=alice, code="storage", quantity=1, user=owner)
        mark_invoice_paid(invoice=invoice, amount=invoice.amount_due, reference=f"demo-addon-{invoice.pk}")
        log("  usage: Alice has a paid Storage +10 GB add-on")
