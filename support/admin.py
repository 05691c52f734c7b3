from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from core.admin_mixins import run_service_action
from support import selectors, services
from support.models import CannedReply, ContactRequest, Priority, SLAEvent, SLAPolicy, Status, Ticket, TicketMessage
from support.selectors import breached_condition


class TicketActionForm(ActionForm):
    assignee = forms.ModelChoiceField(
        queryset=selectors.queue_workers(),
        required=False,
        label=_("Agent"),
    )


class MessageInline(admin.StackedInline):
    """The conversation, read-only: replies and notes go through the agent page (services)."""

    model = TicketMessage
    extra = 0
    can_delete = False
    fields = ["author_type", "author", "is_internal", "created_at", "body", "files"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Attachments"))
    def files(self, message):
        return (
            format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                ((reverse("support:attachment_download", args=[a.pk]), a.original_name) for a in message.attachments.all()),
            )
            or "—"
        )


class SLAEventInline(admin.TabularInline):
    model = SLAEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ["target", "level", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


class BreachedFilter(admin.SimpleListFilter):
    title = _("SLA")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("breached", _("Breached")), ("ok", _("On time"))]

    def queryset(self, request, queryset):
        condition = breached_condition(timezone.now())
        if self.value() == "breached":
            return queryset.filter(condition)
        if self.value() == "ok":
            return queryset.exclude(condition)
        return queryset


def _run(modeladmin, request, tickets, done_message, call, done_values=None):
    run_service_action(
        modeladmin,
        request,
        tickets,
        call,
        done_message=done_message,
        done_values=done_values,
        describe=lambda ticket: ticket.number,
        refused_level=messages.WARNING,
    )


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "subject",
        "organization",
        "requester",
        "status",
        "priority",
        "category",
        "assignee",
        "resolution_due_at",
        "sla_breached_at",
        "created_at",
    ]
    list_filter = ["status", "priority", "category", BreachedFilter, ("assignee", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["number", "subject", "requester__email", "organization__name"]
    list_select_related = ["organization", "requester", "assignee"]
    date_hierarchy = "created_at"
    action_form = TicketActionForm
    actions = ["assign_selected", "assign_to_me", "resolve_selected", "close_selected", "make_urgent"]
    inlines = [MessageInline, SLAEventInline]
    fields = [
        "number",
        "agent_page",
        "organization",
        "requester",
        "subject",
        "category",
        "priority",
        "status",
        "assignee",
        "related_object",
        "follow_up_of",
        "created_at",
        "first_response_at",
        "first_response_due_at",
        "resolution_due_at",
        "paused_seconds",
        "sla_breached_at",
        "resolved_at",
        "closed_at",
        "satisfaction_rating",
        "satisfaction_comment",
    ]
    # Only wording is edited here; status, priority and assignment change through the actions.
    readonly_fields = [name for name in fields if name not in ("subject", "category")]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # tickets are kept (stats, storage counted for attachments): close them instead

    @admin.display(description=_("Agent page"))
    def agent_page(self, ticket):
        return format_html('<a href="{}">{}</a>', reverse("support:agent_ticket", args=[ticket.pk]), _("Reply, note, assign →"))

    @admin.display(description=_("Related"))
    def related_object(self, ticket):
        # Shown inside the ticket only: support agents have no billing permissions of their own.
        return f"{ticket.related_type.name}: {ticket.related}" if ticket.related_type_id else "—"

    @admin.action(description=_("Assign selected tickets to the chosen agent"), permissions=["change"])
    def assign_selected(self, request, queryset):
        assignee = selectors.queue_workers().filter(pk=request.POST.get("assignee") or 0).first()
        if assignee is None:
            self.message_user(request, _("Choose an agent in the list next to the action."), messages.ERROR)
            return
        _run(
            self,
            request,
            queryset.exclude(status=Status.CLOSED),
            ngettext_lazy("%(count)d ticket assigned to %(name)s.", "%(count)d tickets assigned to %(name)s.", "count"),
            lambda t: services.assign(ticket=t, assignee=assignee, by=request.user),
            done_values={"name": assignee.full_name},
        )

    @admin.action(description=_("Assign selected tickets to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        _run(
            self,
            request,
            queryset.exclude(status=Status.CLOSED),
            ngettext_lazy("%(count)d ticket assigned to you.", "%(count)d tickets assigned to you.", "count"),
            lambda t: services.assign(ticket=t, assignee=request.user, by=request.user),
        )

    @admin.action(description=_("Resolve selected tickets"), permissions=["change"])
    def resolve_selected(self, request, queryset):
        _run(
            self,
            request,
            queryset.filter(Q(status__in=[Status.OPEN, Status.IN_PROGRESS, Status.WAITING])),
            ngettext_lazy("%(count)d ticket resolved.", "%(count)d tickets resolved.", "count"),
            lambda t: services.resolve(ticket=t, agent=request.user),
        )

    @admin.action(description=_("Close selected tickets"), permissions=["change"])
    def close_selected(self, request, queryset):
        _run(
            self,
            request,
            queryset.exclude(status=Status.CLOSED),
            ngettext_lazy("%(count)d ticket closed.", "%(count)d tickets closed.", "count"),
            lambda t: services.close(ticket=t, by=request.user),
        )

    @admin.action(description=_("Set priority to urgent"), permissions=["change"])
    def make_urgent(self, request, queryset):
        _run(
            self,
            request,
            queryset.exclude(status=Status.CLOSED),
            ngettext_lazy("%(count)d ticket made urgent.", "%(count)d tickets made urgent.", "count"),
            lambda t: services.set_priority(ticket=t, agent=request.user, priority=Priority.URGENT),
        )


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ["priority", "first_response_minutes", "resolution_minutes", "updated_at"]
    list_editable = ["first_response_minutes", "resolution_minutes"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SLAEvent)
class SLAEventAdmin(admin.ModelAdmin):
    list_display = ["ticket", "target", "level", "created_at"]
    list_filter = ["target", "level", "created_at"]
    search_fields = ["ticket__number", "ticket__subject"]
    date_hierarchy = "created_at"
    list_select_related = ["ticket"]
    readonly_fields = ["ticket", "target", "level", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "is_active", "updated_at"]
    list_filter = ["is_active", "category"]
    search_fields = ["title", "body"]
    fields = ["title", "category", "is_active", "body"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["body"].help_text = _("Markdown. Placeholders: {customer_name}, {ticket_number}, {agent_name}.")
        return form


@admin.register(ContactRequest)
class ContactRequestAdmin(admin.ModelAdmin):
    list_display = ["subject", "name", "email", "status", "ticket", "ip_address", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["email", "name", "subject", "message"]
    date_hierarchy = "created_at"
    list_select_related = ["ticket"]
    readonly_fields = ["name", "email", "subject", "message", "status", "ticket", "ip_address", "created_at", "handled_at"]
    actions = ["mark_handled", "mark_spam"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Mark as handled"), permissions=["change"])
    def mark_handled(self, request, queryset):
        for contact in queryset:
            services.mark_contact_request(request=contact, status=ContactRequest.Status.HANDLED, by=request.user)
        count = queryset.count()
        message = ngettext("%(count)d request marked handled.", "%(count)d requests marked handled.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Mark as spam"), permissions=["change"])
    def mark_spam(self, request, queryset):
        for contact in queryset:
            services.mark_contact_request(request=contact, status=ContactRequest.Status.SPAM, by=request.user)
        count = queryset.count()
        message = ngettext("%(count)d request marked spam.", "%(count)d requests marked spam.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)
