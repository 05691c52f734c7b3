"""Default SLA targets per priority, and the two support groups with the support models'
permissions only (agents never get billing permissions: they see a ticket's related invoice
inside the ticket, nothing more)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DEFAULT_TARGETS = {  # priority: (first response, resolution), in minutes
    "urgent": (60, 8 * 60),
    "high": (4 * 60, 24 * 60),
    "normal": (24 * 60, 72 * 60),
    "low": (72 * 60, 7 * 24 * 60),
}
AGENT_PERMISSIONS = [
    "view_ticket", "change_ticket", "view_ticketmessage", "add_ticketmessage", "view_ticketattachment",
    "view_slapolicy", "view_slaevent", "view_cannedreply", "add_cannedreply", "change_cannedreply",
    "view_contactrequest", "change_contactrequest",
]


def forwards(apps, schema_editor):
    for priority, (first_response, resolution) in DEFAULT_TARGETS.items():
        apps.get_model("support", "SLAPolicy").objects.get_or_create(
            priority=priority, defaults={"first_response_minutes": first_response, "resolution_minutes": resolution}
        )
    # Permissions are normally created after all migrations; the groups need them now.
    support_config = apps.get_app_config("support")
    support_config.models_module = True
    create_permissions(support_config, apps=apps, verbosity=0)
    support_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    support_permissions = Permission.objects.filter(content_type__app_label="support")
    agents, _ = Group.objects.get_or_create(name="Support agents")
    agents.permissions.set(support_permissions.filter(codename__in=AGENT_PERMISSIONS))
    leads, _ = Group.objects.get_or_create(name="Support leads")
    leads.permissions.set(support_permissions)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Support agents", "Support leads"]).delete()
    apps.get_model("support", "SLAPolicy").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
