"""The staff roles: Finance, Support agents, Support leads and Catalog managers.

The support app's own migration creates the two support groups with the support permissions;
this one reuses them by name (get_or_create) and adds nothing to them, so they keep holding
support permissions only; it never removes theirs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Finance": [
        "billing.view_plan", "billing.view_planprice", "billing.view_subscription", "billing.change_subscription",
        "billing.view_invoice", "billing.change_invoice", "billing.view_invoiceline", "billing.view_creditnote", "billing.add_creditnote",
        "billing.view_creditnoteline", "billing.view_payment", "billing.change_payment", "billing.view_refund",
        "billing.view_paymentmethod", "billing.view_webhookevent",
        "coupons.view_coupon", "coupons.add_coupon", "coupons.change_coupon", "coupons.view_couponminimum",
        "coupons.add_couponminimum", "coupons.change_couponminimum", "coupons.view_couponusage",
        "accounts.view_organization", "usage.view_addonpurchase", "usage.view_usagerecord",
        "generation.view_creditentry", "core.view_auditentry",
        "backoffice.view_revenue", "backoffice.view_overdue_report", "backoffice.view_coupon_report",
        "backoffice.view_generation_report", "backoffice.view_usage_report",
    ],
    # The support groups keep the support permissions only (support's own rule); the back office's
    # support report opens to leads through support.change_slapolicy, which agents do not have.
    "Support agents": [],
    "Support leads": [],
    "Catalog managers": [
        "catalog.view_category", "catalog.add_category", "catalog.change_category",
        "catalog.view_product", "catalog.add_product", "catalog.change_product",
        "catalog.view_productprice", "catalog.add_productprice", "catalog.change_productprice", "catalog.view_order",
        "coupons.view_coupon", "coupons.add_coupon", "coupons.change_coupon", "coupons.view_couponminimum",
        "coupons.add_couponminimum", "coupons.change_couponminimum", "coupons.view_couponusage",
        "backoffice.view_coupon_report",
    ],
}
APPS = ["accounts", "billing", "coupons", "catalog", "usage", "generation", "core", "backoffice"]


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for label in APPS:
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in names:
            app_label, codename = dotted.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, names in ROLES.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        for dotted in names:
            app_label, codename = dotted.split(".")
            group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))
    Group.objects.filter(name__in=["Finance", "Catalog managers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("billing", "0002_paymentmethod_payment_refund_webhookevent_and_more"),
        ("coupons", "0002_default_codes"),
        ("catalog", "0006_payment_method_choices"),
        ("usage", "0003_seed_addon_types"),
        ("generation", "0003_default_credit_prices"),
        ("support", "0002_groups_and_sla_defaults"),
        ("core", "0002_audit_entry"),
        ("backoffice", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
