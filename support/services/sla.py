"""Service levels: each ticket's first-response and resolution targets (due and warning times,
the time spent paused added), and the periodic check that flags warnings and breaches once."""

from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core.i18n import lazy_text
from notifications.services import notify
from support.models import DEFAULT_SLA_MINUTES, LEADS_GROUP, Priority, SLAEvent, SLAPolicy, Status, Ticket
from support.services.notifications import agent_link, users_in


def sla_targets(priority):
    """(first response, resolution) as timedeltas, from the editable policy or the defaults."""
    policy = SLAPolicy.objects.filter(priority=priority).first()
    if policy:
        return timedelta(minutes=policy.first_response_minutes), timedelta(minutes=policy.resolution_minutes)
    first, resolution = DEFAULT_SLA_MINUTES[priority]
    return timedelta(minutes=first), timedelta(minutes=resolution)


SLA_FIELDS = ["first_response_due_at", "first_response_warn_at", "resolution_due_at", "resolution_warn_at"]


def schedule_sla(ticket):
    """Due and warning (80%) times from the creation time, the priority's targets and the time paused."""
    first, resolution = sla_targets(ticket.priority)
    paused = timedelta(seconds=ticket.paused_seconds)
    ticket.first_response_due_at = ticket.created_at + first
    ticket.first_response_warn_at = ticket.created_at + first * 0.8
    ticket.resolution_due_at = ticket.created_at + resolution + paused
    ticket.resolution_warn_at = ticket.created_at + resolution * 0.8 + paused


SLA_CHECKS = [
    # (target, level, tickets concerned at `now`)
    (
        SLAEvent.Target.FIRST_RESPONSE,
        SLAEvent.Level.WARNING,
        lambda now: Q(first_response_at__isnull=True, first_response_warn_at__lte=now, first_response_due_at__gt=now),
    ),
    (
        SLAEvent.Target.FIRST_RESPONSE,
        SLAEvent.Level.BREACH,
        lambda now: Q(first_response_at__isnull=True, first_response_due_at__lte=now),
    ),
    (SLAEvent.Target.RESOLUTION, SLAEvent.Level.WARNING, lambda now: Q(resolution_warn_at__lte=now, resolution_due_at__gt=now)),
    (SLAEvent.Target.RESOLUTION, SLAEvent.Level.BREACH, lambda now: Q(resolution_due_at__lte=now)),
]


def check_sla(*, now=None):
    """Flag tickets at 80% of a target and at its breach, once each, telling the assignee and the
    support leads. Waiting and resolved tickets are paused, so they are not looked at."""
    now = now or timezone.now()
    counts = Counter()
    for target, level, condition in SLA_CHECKS:
        already = SLAEvent.objects.filter(ticket=OuterRef("pk"), target=target, level=level)
        tickets = (
            Ticket.objects.filter(condition(now), status__in=[Status.OPEN, Status.IN_PROGRESS])
            .filter(~Exists(already))
            .select_related("assignee")
        )
        for ticket in tickets:
            with transaction.atomic():
                _, created = SLAEvent.objects.get_or_create(ticket=ticket, target=target, level=level)
                if not created:
                    continue
                if level == SLAEvent.Level.BREACH:
                    Ticket.objects.filter(pk=ticket.pk, sla_breached_at__isnull=True).update(sla_breached_at=now)
                _alert(ticket, target, level)
            counts[f"{target}_{level}"] += 1
    return counts


_SLA_WARNING = {
    SLAEvent.Target.FIRST_RESPONSE: gettext_lazy("SLA warning: %(number)s is at 80%% of its first response target"),
    SLAEvent.Target.RESOLUTION: gettext_lazy("SLA warning: %(number)s is at 80%% of its resolution target"),
}
_SLA_BREACHED = {
    SLAEvent.Target.FIRST_RESPONSE: gettext_lazy("SLA breached: %(number)s missed its first response target"),
    SLAEvent.Target.RESOLUTION: gettext_lazy("SLA breached: %(number)s missed its resolution target"),
}


def _alert(ticket, target, level):
    recipients = {user.pk: user for user in users_in(LEADS_GROUP)}
    if ticket.assignee_id and ticket.assignee.is_active:
        recipients[ticket.assignee_id] = ticket.assignee
    due = ticket.first_response_due_at if target == SLAEvent.Target.FIRST_RESPONSE else ticket.resolution_due_at
    # Read later, each in its recipient's language (notify() renders lazy texts per reader).
    if level == SLAEvent.Level.BREACH:
        title = lazy_text(_SLA_BREACHED[target], number=ticket.number)
    else:
        title = lazy_text(_SLA_WARNING[target], number=ticket.number)
    body = lazy_text(
        gettext_lazy("%(subject)s (%(priority)s), due %(due)s UTC."),
        subject=ticket.subject,
        priority=Priority(ticket.priority).label,
        due=f"{due:%Y-%m-%d %H:%M}",
    )
    for user in recipients.values():
        notify(user, f"support_sla_{level}", title=title, body=body, link=agent_link(ticket), context={"ticket": ticket})
