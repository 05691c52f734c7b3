from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Support desk")

    def ready(self):
        from accounts import dashboard
        from support import selectors as dashboard_selectors

        dashboard.register(dashboard_selectors.dashboard_panel)
        from notifications.kinds import register

        # Reply and status emails are sent by support itself (threaded with Message-Id headers),
        # so these kinds only store and push the notification.
        register("support_reply", email=False)
        register("support_status", email=False)
        register("support_ticket_new", email=False)
        register("support_assigned", email=False)
        register("support_sla_warning", email=True, template="support/emails/sla_alert")
        register("support_sla_breach", email=True, template="support/emails/sla_alert")
