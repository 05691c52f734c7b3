"""Finance reads the credit grants as it reads their ledger (generation.view_creditentry, 0002): a
refund takes back a credit pack's unspent credits, and the grant is where the entries of a
purchase, a plan period or an adjustment start and expire. Reading only: grants are written by
the services, adjustments stay with superusers."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSION = ("generation", "view_creditgrant")


def _permission(apps):
    Permission = apps.get_model("auth", "Permission")
    app_label, codename = PERMISSION
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs this one now.
    config = apps.get_app_config("generation")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    apps.get_model("auth", "Group").objects.get(name="Finance").permissions.add(_permission(apps))


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get(name="Finance").permissions.remove(_permission(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_organization_require_two_factor"),
        ("generation", "0006_credit_grants"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
