from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = _("Back office reports")

    def ready(self):
        from accounts.admin_site import register_index_counters
        from backoffice import counters, signals

        signals.connect()
        register_index_counters(counters.live_counters)
