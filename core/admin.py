from django.contrib import admin

from core.admin_mixins import ReadOnlyAdminMixin
from core.models import AuditEntry, StateTransition, TaskRun


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the log is evidence, nobody edits or deletes it from the back office."""

    list_display = ["created_at", "actor_email", "action", "target_type", "target_repr", "organization"]
    list_filter = ["action", "target_type"]
    list_select_related = ["target_type", "organization"]
    search_fields = ["actor_email", "action", "target_repr", "target_id", "organization__name"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]



@admin.register(TaskRun)
class TaskRunAdmin(admin.ModelAdmin):
    list_display = ["task", "started_at", "duration", "outcome", "counts"]
    list_filter = ["outcome", "task"]
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in TaskRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StateTransition)
class StateTransitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The moves of orders, invoices, subscriptions, payments, tickets and jobs: read-only evidence."""

    list_display = ["created_at", "content_type", "object_id", "source", "target", "actor_email"]
    list_filter = ["content_type", "target"]
    list_select_related = ["content_type"]
    search_fields = ["=object_id", "actor_email"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in StateTransition._meta.fields]
