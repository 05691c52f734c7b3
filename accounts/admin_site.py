from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse


class WeBoxAdminSite(admin.AdminSite):
    """Django Admin that opens only for active staff who passed a TOTP check this session."""

    site_header = "WeBox back office"
    site_title = "WeBox admin"
    index_title = "Back office"

    def has_permission(self, request):
        user = request.user
        exempt = settings.DEBUG and user.email in settings.ADMIN_2FA_EXEMPT_EMAILS  # the local demo account only
        return user.is_active and user.is_staff and (user.is_verified() or exempt)

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_authenticated and user.is_staff and not self.has_permission(request):
            # Logged in but not through 2FA: send them to enrol or enter a code.
            return redirect(f"{reverse('accounts:two_factor')}?next={request.get_full_path()}")
        return redirect_to_login(request.GET.get("next", reverse("admin:index")), reverse("accounts:login"))
