import uuid

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from core import audit, permissions
from notifications.forms import BroadcastForm
from notifications.models import EmailLog, Notification
from notifications.tasks import broadcast


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "recipient", "organization", "read_at", "created_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["title", "recipient__email", "organization__name"]
    autocomplete_fields = ["recipient", "organization"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at"]

    def get_urls(self):
        return [
            path("broadcast/", self.admin_site.admin_view(self.broadcast_view), name="notifications_broadcast")
        ] + super().get_urls()

    def broadcast_view(self, request):
        permissions.require(request, permissions.BROADCAST)  # reaching every user is not for every staff member
        form = BroadcastForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            org = form.cleaned_data["organization"]
            audit.record(
                actor=request.user,
                action="broadcast_queued",
                target=org,
                after={"title": form.cleaned_data["title"], "audience": org.slug if org else "everyone"},
            )
            broadcast.delay(  # under a key of its own: a retried task notifies nobody twice
                str(uuid.uuid4()), form.cleaned_data["title"], form.cleaned_data["body"], form.cleaned_data["link"],
                org.pk if org else None,
            )
            if org:
                messages.success(request, _("Broadcast queued for the members of %(organization)s.") % {"organization": org})
            else:
                messages.success(request, _("Broadcast queued for every user."))
            return redirect("admin:notifications_notification_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("Broadcast a notification"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "notifications/admin_broadcast.html", context)


@admin.register(EmailLog)
class EmailLogAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "kind", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind", "locale", "created_at"]
    search_fields = ["recipient", "subject"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in EmailLog._meta.fields]

    def has_add_permission(self, request):
        return False
