from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsageConfig(AppConfig):
    name = "usage"
    verbose_name = _("Usage and add-ons")

    def ready(self):
        from accounts import dashboard
        from usage import selectors as dashboard_selectors

        dashboard.register(dashboard_selectors.dashboard_panel)
        from billing.services import register_invoice_paid_handler, register_invoice_voided_handler
        from notifications.kinds import register
        from usage import services

        register("usage_alert", email=True, template="usage/emails/usage_alert")
        register("addon_activated", email=False)
        register("addon_expired", email=True, template="usage/emails/addon_expired")
        register_invoice_paid_handler("addon", services.addon_invoice_paid)
        register_invoice_voided_handler("addon", services.addon_invoice_voided)
        register_invoice_paid_handler("subscription", services.subscription_invoice_paid)
        register_invoice_voided_handler("subscription", services.subscription_invoice_voided)
