from django.contrib import admin

from core.admin_mixins import ReadOnlyAdminMixin
from core.models import AuditEntry, TaskRun


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
