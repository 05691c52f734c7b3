"""Each role reaches what its capabilities act on (core.permissions): Finance refunds and cancels
shop orders from the order list, reads every billing record (customer balances, payment
discrepancies it resolves, dunning) and refunds balances from their list; Catalog managers retry the
delivery of paid orders."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADDED = {
    "Finance": [
        "catalog.view_order", "catalog.view_orderline", "billing.view_balanceaccount", "billing.view_balanceentry",
        "billing.view_paymentdiscrepancy", "billing.change_paymentdiscrepancy", "billing.view_dunningpolicy",
        "billing.view_dunningevent", "billing.view_pendingcharge",
    ],
    "Catalog managers": ["catalog.change_order"],
}


def _permissions(apps, names):
    Permission = apps.get_model("auth", "Permission")
    for dotted in names:
        app_label, codename = dotted.split(".")
        yield Permission.objects.get(content_type__app_label=app_label, codename=codename)


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for label in ("billing", "catalog"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    for name, names in ADDED.items():
        Group.objects.get(name=name).permissions.add(*_permissions(apps, names))


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, names in ADDED.items():
        Group.objects.get(name=name).permissions.remove(*_permissions(apps, names))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_login_sessions"),
        ("billing", "0006_ledger_balance_reconciliation"),
        ("catalog", "0006_payment_method_choices"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
