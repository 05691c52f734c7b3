"""The add-on catalogue of the seed table (prices per currency stay editable in the admin)."""

from django.db import migrations

GB = 1024**3

# code, name, metric, amount per unit, label, {currency: minor units per unit and 30 days}
ADDONS = [
    ("ram", "RAM", "memory_mb", 500, "+500 MB", {"EUR": 100, "XOF": 656}),
    ("cpu", "CPU", "concurrent_jobs", 1, "+1 CPU (one more concurrent job)", {"EUR": 200, "XOF": 1312}),
    ("traffic", "Traffic", "traffic_bytes", 10 * GB, "+10 GB", {"EUR": 100, "XOF": 656}),
    ("storage", "Storage", "storage_bytes", 10 * GB, "+10 GB", {"EUR": 100, "XOF": 656}),
    ("credits", "Credits", "generation_credits", 1000, "+1000 credits", {"EUR": 500, "XOF": 3280}),
]


def seed(apps, schema_editor):
    AddonType = apps.get_model("usage", "AddonType")
    AddonPrice = apps.get_model("usage", "AddonPrice")
    for position, (code, name, metric, amount, label, prices) in enumerate(ADDONS):
        addon, _ = AddonType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "metric": metric,
                "amount_per_unit": amount,
                "unit_label": label,
                "allowed_plans": ["pro", "business"],
                "position": position,
            },
        )
        for currency, unit_amount in prices.items():
            AddonPrice.objects.get_or_create(addon_type=addon, currency=currency, defaults={"unit_amount": unit_amount})


class Migration(migrations.Migration):
    dependencies = [("usage", "0002_addon_type_tiers")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
