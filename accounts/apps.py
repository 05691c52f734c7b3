from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organizations")
    default = True

    def ready(self):
        from accounts import signals
        from accounts.selectors import resolve_organization_for_api
        from core.api.views import register_organization_resolver

        register_organization_resolver(resolve_organization_for_api)
        signals.connect()


class WeBoxAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "accounts.admin_site.WeBoxAdminSite"
