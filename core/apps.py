from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Platform")

    def ready(self):
        from django.db.models.signals import post_migrate

        from core.broker import ensure_filesystem_broker_folders
        from core.schedules import sync_periodic_tasks

        post_migrate.connect(sync_periodic_tasks, sender=self)
        ensure_filesystem_broker_folders()
