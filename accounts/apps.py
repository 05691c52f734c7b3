from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and organizations"
    default = True

    def ready(self):
        from accounts.selectors import resolve_organization
        from core.api.views import register_organization_resolver

        register_organization_resolver(resolve_organization)


class WeBoxAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "accounts.admin_site.WeBoxAdminSite"
