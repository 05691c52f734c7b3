from functools import wraps
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from core.permissions import acts_as_staff, is_staff_member, refuse_hidden_action

# Apps above accounts (the back office) add live counters to the admin index: source(user) ->
# [(label, value, url)], each shown only to a role that may see its list.
_index_counters = []


def register_index_counters(source):
    if source not in _index_counters:
        _index_counters.append(source)


class WeBoxAdminSite(admin.AdminSite):
    """Django Admin that opens only for active staff who passed a TOTP check this session."""

    site_header = _("WeBox back office")
    site_title = _("WeBox admin")
    index_title = _("Back office")

    def has_permission(self, request):
        return acts_as_staff(request.user)

    def admin_view(self, view, cacheable=False):
        """Every admin view behind the staff gate; a changelist (every model's, third-party apps'
        too) then refuses and audits an action the role is not offered before Django reads it."""
        model_admin = getattr(view, "__self__", None)
        if isinstance(model_admin, admin.ModelAdmin) and view.__name__ == "changelist_view":
            view = _refusing_hidden_actions(view, model_admin)
        return super().admin_view(view, cacheable)

    def login(self, request, extra_context=None):
        """Logging in happens on the site's own pages (password, then the TOTP step)."""
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index")
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, reverse("accounts:login"))
        if self.has_permission(request):
            return redirect(next_url)
        if is_staff_member(user):
            # Logged in but not through 2FA: enrol or enter a code, then come back.
            return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': next_url})}")
        raise PermissionDenied(_("The back office is for WeBox staff."))

    index_template = "backoffice/admin_index.html"

    # The index groups apps by the job of the people who use them; apps not listed go to Platform.
    JOBS = {
        "Sales": ("catalog", "coupons"),
        "Billing": ("billing",),
        "Support": ("support",),
        "Generation": ("generation", "usage"),
    }
    JOB_NAMES = {
        "Sales": _("Sales"),
        "Billing": _("Billing"),
        "Support": _("Support"),
        "Generation": _("Generation"),
        "Platform": _("Platform"),
    }

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label:
            return apps
        sections = {job: [] for job in [*self.JOBS, "Platform"]}
        for app in apps:
            job = next((job for job, labels in self.JOBS.items() if app["app_label"] in labels), "Platform")
            sections[job].append(app)
        grouped = []
        for job, members in sections.items():
            if not members:
                continue
            models = []
            for app in members:
                prefix = f"{app['name']} · " if len(members) > 1 else ""
                models += [{**model, "name": f"{prefix}{model['name']}"} for model in app["models"]]
            grouped.append({**members[0], "name": self.JOB_NAMES[job], "models": models})
        return grouped

    def index(self, request, extra_context=None):
        counters = [counter for source in _index_counters for counter in source(request.user)]
        return super().index(request, {"counters": counters, **(extra_context or {})})


def _refusing_hidden_actions(changelist_view, model_admin):
    @wraps(changelist_view)
    def view(request, *args, **kwargs):
        refuse_hidden_action(request, model_admin)
        return changelist_view(request, *args, **kwargs)

    return view
