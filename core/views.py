import logging
import os
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from config.celery import app as celery_app
from core import heartbeats
from core.broker import filesystem_broker_folders
from core.errors import DomainError

logger = logging.getLogger("webox.health")


def staff_home(user):
    """Where a staff member's work is: the admin for superusers, the back office for finance,
    the agent queue for support agents; None for anyone else."""
    if not (user.is_active and user.is_staff):
        return None
    if user.is_superuser:
        return reverse("admin:index")
    if user.has_perm("backoffice.view_revenue"):
        return reverse("backoffice:dashboard")
    if user.has_perm("support.view_ticket"):
        return reverse("support:queue")
    return reverse("admin:index")


def organization_required(view):
    """Login required, and `request.organization` set (every signed-up customer has one; staff
    outside any organization are sent to their own work instead)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.organization:
            home = staff_home(request.user)
            if home:
                return redirect(home)
            messages.error(request, _("You do not belong to any organization yet."))
            return redirect("accounts:profile")
        return view(request, *args, **kwargs)

    return wrapper


def domain_errors_to_messages(view):
    """HTML views: a domain error becomes a message on the previous page, never a 500."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            messages.error(request, exc.message)
            back = request.META.get("HTTP_REFERER", "")
            if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                back = "/"
            return redirect(back)

    return wrapper


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache():
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return the value just written")


def _check_broker():
    folders = filesystem_broker_folders()
    if folders:  # the server-less broker is "up" when its folders are there and writable
        for folder in folders:
            if not os.access(folder, os.W_OK):
                raise RuntimeError(f"broker folder {folder} is missing or read-only")
        return
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _check_storage():
    name = default_storage.save("healthz/probe.txt", ContentFile(b"ok"))
    default_storage.delete(name)


def _check_heartbeat(kind):
    def check():
        if heartbeats.alive_keys(kind):
            return
        seen = heartbeats.last_seen(kind)
        if seen is None:
            raise RuntimeError(f"no {kind} has ever reported")
        raise RuntimeError(f"no heartbeat for {int((timezone.now() - seen).total_seconds())} s")

    return check


# What this web server needs to answer requests (the load balancer's /readyz), then the processes
# that do the work out of sight (/healthz, for monitoring: all of them).
SERVING_CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker, "storage": _check_storage}
PLATFORM_CHECKS = {**SERVING_CHECKS, "worker": _check_heartbeat("worker"), "beat": _check_heartbeat("beat")}


def _report(checks):
    """200 with each component's state when all are up; 503 naming the ones that are down."""
    components, down = {}, []
    for name, check in checks.items():
        try:
            check()
            components[name] = "ok"
        except Exception as exc:  # any failure of a dependency means "down", whatever its type
            logger.warning("health_check_failed component=%s error=%s", name, exc)
            components[name] = f"down: {exc}" if name in ("worker", "beat") else f"down: {exc.__class__.__name__}"
            down.append(name)
    status = 503 if down else 200
    return JsonResponse({"status": "down" if down else "ok", "down": down, "components": components}, status=status)


def favicon(request):
    """Browsers ask for /favicon.ico where a page names no icon (an API answer, a PDF): without
    it each of them is a 404 in the console."""
    return redirect(static("img/favicon.svg"), permanent=True)


def healthz(request):
    """The whole platform: this server's dependencies, and a live Celery worker and beat."""
    return _report(PLATFORM_CHECKS)


def readyz(request):
    """This web server can answer requests: for load balancers (a dead worker is no reason to
    take every web server out of rotation)."""
    return _report(SERVING_CHECKS)
