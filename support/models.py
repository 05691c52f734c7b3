"""Support desk: tickets, their conversation (public messages and internal notes), attachments,
SLA targets and alerts, canned replies and contact requests from the public form."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.state import StateMachine
from support import conf

# The models a ticket may refer to, by the name clients use. Resolved lazily: these apps are
# independent of support and may not be installed.
RELATED_MODELS = {"order": "catalog.Order", "invoice": "billing.Invoice", "generation_job": "generation.GenerationJob"}

AGENTS_GROUP = "Support agents"
LEADS_GROUP = "Support leads"


class Category(models.TextChoices):
    GENERAL = "general", _("General")
    TECHNICAL = "technical", _("Technical")
    BILLING = "billing", _("Billing")
    FEATURE_REQUEST = "feature_request", _("Feature request")
    BUG_REPORT = "bug_report", _("Bug report")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    LOW = "low", pgettext_lazy("ticket priority", "Low")
    NORMAL = "normal", pgettext_lazy("ticket priority", "Normal")
    HIGH = "high", pgettext_lazy("ticket priority", "High")
    URGENT = "urgent", pgettext_lazy("ticket priority", "Urgent")


PRIORITY_RANK = {p: rank for rank, p in enumerate(Priority.values)}
# Used when a priority has no SLAPolicy row (the data migration creates the same values).
DEFAULT_SLA_MINUTES = {  # priority: (first response, resolution)
    Priority.URGENT: (60, 8 * 60),
    Priority.HIGH: (4 * 60, 24 * 60),
    Priority.NORMAL: (24 * 60, 72 * 60),
    Priority.LOW: (72 * 60, 7 * 24 * 60),
}
CUSTOMER_PRIORITIES = [Priority.LOW, Priority.NORMAL, Priority.HIGH]


class Status(models.TextChoices):
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("ticket status", "In progress")
    WAITING = "waiting", pgettext_lazy("ticket status", "Waiting on customer")
    RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
    CLOSED = "closed", pgettext_lazy("ticket status", "Closed")


ACTIVE_STATUSES = [Status.OPEN, Status.IN_PROGRESS, Status.WAITING]
# The SLA clocks stop in these states (the customer has the ball, or the ticket is done).
PAUSED_STATUSES = [Status.WAITING, Status.RESOLVED]

TICKET_MACHINE = StateMachine(
    {
        Status.OPEN: {Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED, Status.CLOSED},
        Status.IN_PROGRESS: {Status.WAITING, Status.RESOLVED, Status.CLOSED},
        Status.WAITING: {Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED},
        Status.RESOLVED: {Status.IN_PROGRESS, Status.WAITING, Status.CLOSED},
        Status.CLOSED: set(),
    }
)


class Ticket(models.Model):
    number = models.CharField(max_length=20, unique=True, null=True, editable=False, verbose_name=_("number"))
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="tickets", verbose_name=_("organization")
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="tickets", verbose_name=_("requester")
    )
    subject = models.CharField(max_length=200, verbose_name=_("subject"))
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.GENERAL, verbose_name=_("category"))
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL, verbose_name=_("priority"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True, verbose_name=_("status"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        limit_choices_to={"is_staff": True, "is_active": True},
        verbose_name=_("assignee"),
    )
    related_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("related type")
    )
    related_id = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("related id"))
    related = GenericForeignKey("related_type", "related_id")
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups", verbose_name=_("follow up of")
    )

    created_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    first_response_at = models.DateTimeField(null=True, blank=True, verbose_name=_("first response at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    # SLA clock: time spent waiting on the customer (or resolved) does not count.
    paused_since = models.DateTimeField(null=True, blank=True, verbose_name=_("paused since"))
    paused_seconds = models.PositiveIntegerField(default=0, verbose_name=_("paused seconds"))
    first_response_due_at = models.DateTimeField(null=True, blank=True, verbose_name=_("first response due at"))
    first_response_warn_at = models.DateTimeField(null=True, blank=True, verbose_name=_("first response warn at"))
    resolution_due_at = models.DateTimeField(null=True, blank=True, db_index=True, verbose_name=_("resolution due at"))
    resolution_warn_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolution warn at"))
    sla_breached_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sla breached at"))

    satisfaction_rating = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("satisfaction rating"))
    satisfaction_comment = models.TextField(blank=True, verbose_name=_("satisfaction comment"))
    rated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("rated at"))

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["assignee", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="ticket_status_valid"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="ticket_priority_valid"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="ticket_category_valid"),
            models.CheckConstraint(
                condition=Q(satisfaction_rating__isnull=True) | Q(satisfaction_rating__gte=1, satisfaction_rating__lte=5),
                name="ticket_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(related_type__isnull=True, related_id__isnull=True)
                | Q(related_type__isnull=False, related_id__isnull=False),
                name="ticket_related_complete",
            ),
        ]

    def __str__(self):
        return f"{self.number or 'TCK-?'} {self.subject}"

    @property
    def is_closed(self):
        return self.status == Status.CLOSED

    @property
    def thread_id(self):
        """The Message-Id of the ticket's first email; every later email answers it."""
        return f"<{(self.number or str(self.pk)).lower()}@{conf.email_domain()}>"

    def reopen_deadline(self):
        return self.resolved_at + conf.REOPEN_WINDOW if self.resolved_at else None

    def can_reopen(self, now=None):
        deadline = self.reopen_deadline()
        return self.status == Status.RESOLVED and deadline is not None and (now or timezone.now()) <= deadline

    def can_rate(self):
        return self.status in (Status.RESOLVED, Status.CLOSED) and self.satisfaction_rating is None

    @property
    def related_kind(self):
        if self.related_type_id is None:
            return ""
        label = f"{self.related_type.app_label}.{self.related_type.model}"
        return next((kind for kind, model in RELATED_MODELS.items() if model.lower() == label), "")


class TicketMessage(models.Model):
    class AuthorType(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        AGENT = "agent", _("Agent")
        SYSTEM = "system", _("System")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("author")
    )
    author_type = models.CharField(max_length=10, choices=AuthorType.choices, verbose_name=_("author type"))
    body = models.TextField(verbose_name=_("body"))
    # Markdown rendered and sanitized once, when written (see support.markdown).
    body_html = models.TextField(blank=True, verbose_name=_("body html"))
    is_internal = models.BooleanField(
        default=False, help_text=_("Internal notes are visible to agents only."), verbose_name=_("is internal")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(author_type="customer", is_internal=True), name="ticket_message_customer_never_internal"
            ),
        ]

    def __str__(self):
        return f"{self.get_author_type_display()} on {self.ticket_id} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def author_name(self):
        if self.author_type == self.AuthorType.SYSTEM:
            return "WeBox"
        if self.author_type == self.AuthorType.AGENT:
            return f"{self.author.get_short_name()} (WeBox support)" if self.author else "WeBox support"
        return self.author.full_name if self.author else "Customer"


def attachment_path(instance, filename):
    """Random names under the organization's folder; the original name is kept in the row."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"support/{instance.organization_id}/{uuid.uuid4().hex}{suffix}"


class TicketAttachment(models.Model):
    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("message"))
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    file = models.FileField(upload_to=attachment_path, max_length=300, verbose_name=_("file"))
    original_name = models.CharField(max_length=255, verbose_name=_("original name"))
    content_type = models.CharField(max_length=100, verbose_name=_("content type"))
    size = models.PositiveBigIntegerField(verbose_name=_("size"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("ticket attachment")
        verbose_name_plural = _("ticket attachments")
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class SLAPolicy(models.Model):
    """First-response and resolution targets per priority, editable by support leads."""

    priority = models.CharField(max_length=10, choices=Priority.choices, unique=True, verbose_name=_("priority"))
    first_response_minutes = models.PositiveIntegerField(verbose_name=_("first response minutes"))
    resolution_minutes = models.PositiveIntegerField(verbose_name=_("resolution minutes"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["priority"]
        constraints = [
            models.CheckConstraint(condition=Q(first_response_minutes__gt=0), name="sla_first_response_positive"),
            models.CheckConstraint(
                condition=Q(resolution_minutes__gte=models.F("first_response_minutes")), name="sla_resolution_after_response"
            ),
        ]

    def __str__(self):
        return f"{self.get_priority_display()}: {self.first_response_minutes} min / {self.resolution_minutes} min"


class SLAEvent(models.Model):
    """One warning or breach of one target of one ticket: the unique row keeps the check idempotent."""

    class Target(models.TextChoices):
        FIRST_RESPONSE = "first_response", pgettext_lazy("sla target", "First response")
        RESOLUTION = "resolution", pgettext_lazy("sla target", "Resolution")

    class Level(models.TextChoices):
        WARNING = "warning", pgettext_lazy("sla level", "Warning (80%)")
        BREACH = "breach", pgettext_lazy("sla level", "Breach")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_events", verbose_name=_("ticket"))
    target = models.CharField(max_length=20, choices=Target.choices, verbose_name=_("target"))
    level = models.CharField(max_length=10, choices=Level.choices, verbose_name=_("level"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("SLA event")
        verbose_name_plural = _("SLA events")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["ticket", "target", "level"], name="sla_event_once")]

    def __str__(self):
        return f"{self.ticket} {self.target} {self.level}"


class CannedReply(models.Model):
    """A saved answer. Placeholders: {customer_name}, {ticket_number}, {agent_name}."""

    title = models.CharField(max_length=120, unique=True, verbose_name=_("title"))
    body = models.TextField(verbose_name=_("body"))
    category = models.CharField(max_length=20, choices=Category.choices, blank=True, verbose_name=_("category"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title"]

    def __str__(self):
        return self.title


class ContactRequest(models.Model):
    """A message from the public contact form, kept for triage (and as the trace of a ticket made from it)."""

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("contact request status", "New")
        TICKET_CREATED = "ticket_created", pgettext_lazy("contact request status", "Ticket created")
        HANDLED = "handled", pgettext_lazy("contact request status", "Handled")
        SPAM = "spam", pgettext_lazy("contact request status", "Spam")

    name = models.CharField(max_length=120, verbose_name=_("name"))
    email = models.EmailField(verbose_name=_("email"))
    subject = models.CharField(max_length=200, verbose_name=_("subject"))
    message = models.TextField(verbose_name=_("message"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW, db_index=True, verbose_name=_("status"))
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("ticket")
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("ip address"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    handled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("handled at"))

    class Meta:
        verbose_name = _("contact request")
        verbose_name_plural = _("contact requests")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email}: {self.subject}"
