from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organizations")
    default = True

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from accounts.selectors import resolve_organization_for_api
        from core.api.views import register_organization_resolver

        register_organization_resolver(resolve_organization_for_api)
        user_logged_in.connect(_track_login, dispatch_uid="accounts.track_login")
        user_logged_out.connect(_forget_login, dispatch_uid="accounts.forget_login")


def _track_login(sender, request, user, **kwargs):
    from accounts.services import track_login

    track_login(request=request, user=user)


def _forget_login(sender, request, **kwargs):
    from accounts.services import forget_login

    if request is not None and request.session.session_key:
        forget_login(session_key=request.session.session_key)


class WeBoxAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "accounts.admin_site.WeBoxAdminSite"
