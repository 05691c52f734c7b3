"""The "Content editors" role: writes the blog (articles, categories, tags) and may pick the
products an article links to (read-only on the catalog)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    *(f"blog.{action}_{model}" for model in ("article", "category", "tag") for action in ("view", "add", "change", "delete")),
    "catalog.view_product",
    "catalog.view_category",
]


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs them now.
    for label in ("blog", "catalog"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name="Content editors")
    for dotted in PERMISSIONS:
        app_label, codename = dotted.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Content editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("catalog", "0007_price_columns"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
