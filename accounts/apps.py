from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and organizations"
    default = True


class WeBoxAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "accounts.admin_site.WeBoxAdminSite"
