from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = _("Back office reports")

    def ready(self):
        from accounts.admin_site import register_index_counters
        from backoffice import counters, refresh
        from billing.services import register_revenue_changed_handler
        from coupons.services import register_terms_changed_handler

        register_revenue_changed_handler(refresh.revenue_changed)
        register_terms_changed_handler(refresh.coupon_terms_changed)
        register_index_counters(counters.live_counters)
