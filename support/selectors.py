"""Reads of the support desk: a customer's tickets, the agents' queue, search and statistics."""

import statistics
from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.errors import NotFound
from core.permissions import STAFF_ATTACHMENTS, acts_as_staff
from support.models import ACTIVE_STATUSES, Category, ContactRequest, Priority, Status, Ticket, TicketAttachment, TicketMessage

QUEUE_VIEWS = {
    "active": _("All active"),
    "unassigned": _("Unassigned"),
    "mine": _("Mine"),
    "breached": _("SLA breached"),
    "waiting": pgettext_lazy("ticket status", "Waiting on customer"),
    "all": _("All tickets"),
}


def tickets_for(*, organization):
    return Ticket.objects.filter(organization=organization).select_related("requester", "assignee")


def ticket_for(*, organization, number=None, pk=None):
    """One of the organization's tickets; another organization's is a 404."""
    lookup = {"number": number} if number is not None else {"pk": pk}
    ticket = tickets_for(organization=organization).select_related("organization").filter(**lookup).first()
    if ticket is None:
        raise NotFound(_("No such ticket."))
    return ticket


def agent_ticket(*, pk):
    ticket = Ticket.objects.select_related("organization", "requester", "assignee", "related_type").filter(pk=pk).first()
    if ticket is None:
        raise NotFound(_("No such ticket."))
    return ticket


def conversation(ticket, *, include_internal):
    """The messages of a ticket in order; customers never get internal notes."""
    messages = ticket.messages.select_related("author").prefetch_related("attachments")
    return messages if include_internal else messages.filter(is_internal=False)


def attachment_for(*, user, organization, pk):
    """A download: support staff who passed 2FA see every attachment; customers (and other staff)
    only their organization's, and never one on an internal note."""
    attachments = TicketAttachment.objects.select_related("message")
    if not acts_as_staff(user, STAFF_ATTACHMENTS):
        if organization is None:
            raise NotFound(_("No such file."))
        attachments = attachments.filter(organization=organization, message__is_internal=False)
    attachment = attachments.filter(pk=pk).first()
    if attachment is None:
        raise NotFound(_("No such file."))
    return attachment


def search(tickets, query, *, include_internal):
    """Subject and messages: full-text on PostgreSQL, substring match elsewhere."""
    query = (query or "").strip()
    if not query:
        return tickets
    messages = TicketMessage.objects.all() if include_internal else TicketMessage.objects.filter(is_internal=False)
    if connection.vendor == "postgresql":
        wanted = SearchQuery(query, search_type="websearch")
        matching = messages.annotate(document=SearchVector("body")).filter(document=wanted)
        subject = Q(
            pk__in=Ticket.objects.annotate(document=SearchVector("subject", "number")).filter(document=wanted).values("pk")
        )
    else:
        matching = messages.filter(body__icontains=query)
        subject = Q(subject__icontains=query) | Q(number__iexact=query)
    return tickets.filter(subject | Q(pk__in=matching.values("ticket_id")))


def breached_condition(now):
    """Breached now: flagged by the SLA check, or past a due time whose clock is running."""
    return (
        Q(sla_breached_at__isnull=False)
        | Q(first_response_at__isnull=True, first_response_due_at__lt=now, status__in=[Status.OPEN, Status.IN_PROGRESS])
        | Q(status__in=[Status.OPEN, Status.IN_PROGRESS], resolution_due_at__lt=now)
    )


def agent_queue(*, agent, view="active", status="", priority="", category="", assignee="", query=""):
    """The agents' queue: breached tickets first, then by resolution due time."""
    now = timezone.now()
    tickets = Ticket.objects.select_related("organization", "requester", "assignee").annotate(
        is_breached=ExpressionWrapper(breached_condition(now), output_field=BooleanField())
    )
    if view == "unassigned":
        tickets = tickets.filter(assignee__isnull=True, status__in=ACTIVE_STATUSES)
    elif view == "mine":
        tickets = tickets.filter(assignee=agent, status__in=ACTIVE_STATUSES)
    elif view == "breached":
        tickets = tickets.filter(breached_condition(now), status__in=ACTIVE_STATUSES)
    elif view == "waiting":
        tickets = tickets.filter(status=Status.WAITING)
    elif view != "all":
        tickets = tickets.filter(status__in=ACTIVE_STATUSES)
    if status in Status.values:
        tickets = tickets.filter(status=status)
    if priority in Priority.values:
        tickets = tickets.filter(priority=priority)
    if category in Category.values:
        tickets = tickets.filter(category=category)
    if str(assignee).isdigit():
        tickets = tickets.filter(assignee_id=int(assignee))
    tickets = search(tickets, query, include_internal=True)
    return tickets.order_by("-is_breached", "resolution_due_at", "created_at")


def queue_counts(*, agent):
    now = timezone.now()
    active = Ticket.objects.filter(status__in=ACTIVE_STATUSES)
    return {
        "unassigned": active.filter(assignee__isnull=True).count(),
        "mine": active.filter(assignee=agent).count(),
        "breached": active.filter(breached_condition(now)).count(),
        "waiting": active.filter(status=Status.WAITING).count(),
        "contact_requests": ContactRequest.objects.filter(status=ContactRequest.Status.NEW).count(),
    }


# --- statistics --------------------------------------------------------------------------------


def _seconds(delta):
    return delta.total_seconds()


def _summary(values):
    if not values:
        return {"average": None, "median": None}
    return {"average": round(statistics.fmean(values)), "median": round(statistics.median(values))}


def _rate(met, total):
    return round(100 * met / total, 1) if total else None


def _resolution_seconds(row):
    return _seconds(row["resolved_at"] - row["created_at"]) - row["paused_seconds"]


def active_ticket_count():
    """Staff-wide: tickets still open (the admin index counter)."""
    return Ticket.objects.filter(status__in=ACTIVE_STATUSES).count()


def ticket_stats(*, date_from, date_to, now=None):
    """Statistics over the tickets created between two dates (inclusive, platform time zone),
    from the lifecycle times stored on each ticket.

    First response: creation → first public agent reply. Resolution: creation → resolution, less
    the time spent waiting on the customer. SLA compliance: answered (or resolved) by the due
    time, among tickets answered (resolved) or already past due.
    """
    now = now or timezone.now()
    zone = ZoneInfo(settings.PLATFORM_TIME_ZONE)
    start = datetime.combine(date_from, time.min, tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
    rows = list(
        Ticket.objects.filter(created_at__gte=start, created_at__lt=end).values(
            "status",
            "category",
            "priority",
            "created_at",
            "first_response_at",
            "first_response_due_at",
            "resolved_at",
            "resolution_due_at",
            "paused_seconds",
            "satisfaction_rating",
            "assignee_id",
            "assignee__email",
            "assignee__first_name",
            "assignee__last_name",
        )
    )

    def block(subset):
        first = [_seconds(r["first_response_at"] - r["created_at"]) for r in subset if r["first_response_at"]]
        resolution = [_resolution_seconds(r) for r in subset if r["resolved_at"]]
        ratings = [r["satisfaction_rating"] for r in subset if r["satisfaction_rating"]]
        first_met = sum(1 for r in subset if r["first_response_at"] and r["first_response_at"] <= r["first_response_due_at"])
        first_total = sum(
            1
            for r in subset
            if r["first_response_at"] or (r["first_response_due_at"] < now and r["status"] in (Status.OPEN, Status.IN_PROGRESS))
        )
        resolution_met = sum(1 for r in subset if r["resolved_at"] and r["resolved_at"] <= r["resolution_due_at"])
        resolution_total = sum(
            1
            for r in subset
            if r["resolved_at"] or (r["resolution_due_at"] < now and r["status"] in (Status.OPEN, Status.IN_PROGRESS))
        )
        return {
            "first_response_seconds": _summary(first),
            "resolution_seconds": _summary(resolution),
            "sla": {
                "first_response_met_percent": _rate(first_met, first_total),
                "resolution_met_percent": _rate(resolution_met, resolution_total),
            },
            "satisfaction": {"average": round(statistics.fmean(ratings), 2) if ratings else None, "count": len(ratings)},
        }

    per_agent = defaultdict(list)
    for row in rows:
        if row["assignee_id"]:
            per_agent[row["assignee_id"]].append(row)
    agents = []
    for agent_id, subset in sorted(per_agent.items(), key=lambda item: item[1][0]["assignee__email"]):
        head = subset[0]
        name = f"{head['assignee__first_name']} {head['assignee__last_name']}".strip() or head["assignee__email"]
        agents.append(
            {
                "agent_id": agent_id,
                "name": name,
                "email": head["assignee__email"],
                "assigned": len(subset),
                "resolved": sum(1 for r in subset if r["resolved_at"]),
                **block(subset),
            }
        )

    counts = {
        "by_status": {value: 0 for value in Status.values},
        "by_category": {value: 0 for value in Category.values},
        "by_priority": {value: 0 for value in Priority.values},
    }
    for key, field in (("by_status", "status"), ("by_category", "category"), ("by_priority", "priority")):
        counts[key].update(Counter(r[field] for r in rows))
    return {"date_from": date_from, "date_to": date_to, "total": len(rows), **counts, **block(rows), "agents": agents}


def dashboard_panel(*, request):
    """The customer dashboard's recent tickets (accounts.dashboard)."""
    return {"tickets": list(tickets_for(organization=request.organization).order_by("-updated_at")[:5])}


def queue_workers():
    """The people who can work the queue (open it, answer, be assigned): active staff holding
    support.view_ticket, through a support group, directly, or as superusers."""
    permission = Q(content_type__app_label="support", codename="view_ticket")
    holders = Q(is_superuser=True) | Q(groups__permissions__in=Permission.objects.filter(permission))
    holders |= Q(user_permissions__in=Permission.objects.filter(permission))
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    return users.filter(pk__in=users.filter(holders).values("pk"))
