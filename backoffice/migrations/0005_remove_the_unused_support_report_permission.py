"""`view_support_report` left the reports' permissions (the support report opens to support leads
through support.change_slapolicy), but Django never deletes a permission row: the admin still
offered it, and it granted nothing. Groups and users that held it lose nothing."""

from django.db import migrations


def remove(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="backoffice", content_type__model="report", codename="view_support_report"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("backoffice", "0004_verbose_names"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(remove, migrations.RunPython.noop)]
