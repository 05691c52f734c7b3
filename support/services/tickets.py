"""Ticket writes: create and update tickets, replies (customer and agent, which also move the
ticket), priorities, assignment, status transitions (one function each, all through `_move`),
ratings, canned replies and the auto-close of resolved tickets."""

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import selectors as billing_selectors
from catalog import selectors as catalog_selectors
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.i18n import lazy_text
from generation import selectors as generation_selectors
from notifications.services import notify
from support import conf, selectors
from support.models import (
    AGENTS_GROUP,
    CUSTOMER_PRIORITIES,
    PAUSED_STATUSES,
    PRIORITY_RANK,
    RELATED_MODELS,
    TICKET_MACHINE,
    CannedReply,
    Category,
    Priority,
    Status,
    Ticket,
    TicketMessage,
)
from support.rendering import fill_placeholders
from support.services.messages import add_message, checked_uploads, system_message
from support.services.notifications import (
    agent_link,
    customer_link,
    tell_agents_message,
    tell_customer_message,
    tell_status,
    threaded_email,
    users_in,
)
from support.services.sla import SLA_FIELDS, schedule_sla

logger = logging.getLogger("webox.support")

MAX_BODY_LENGTH = 20_000
# How a ticket finds the object it refers to: each app's public selector, scoped to the organization.
RELATED_SELECTORS = {
    "order": catalog_selectors.order_for,
    "invoice": billing_selectors.invoice_for,
    "generation_job": generation_selectors.job_for,
}
PRIORITY_FLOOR_TIERS = {"pro", "business"}  # seed 003: these plans get at least `high`


# --- input checks -------------------------------------------------------------------------------


def required_text(value, *, field, label, max_length):
    value = (value or "").strip()
    if not value:
        message = _("%(label)s cannot be empty.") % {"label": label}
        raise ValidationFailed(message, code="required", fields={field: [message]})
    if len(value) > max_length:
        message = _("%(label)s is too long (%(max)s characters at most).") % {"label": label, "max": max_length}
        raise ValidationFailed(message, code="too_long", fields={field: [message]})
    return value


UNKNOWN_CHOICE = {
    "priority": _("Unknown priority “%(value)s”. Use one of: %(choices)s."),
    "category": _("Unknown category “%(value)s”. Use one of: %(choices)s."),
}


def _choice(value, choices, *, field):
    if value not in choices.values:
        message = UNKNOWN_CHOICE[field] % {"value": value, "choices": ", ".join(choices.values)}
        raise ValidationFailed(message, code=f"invalid_{field}", fields={field: [message]})
    return value


def _customer_priority(value):
    _choice(value, Priority, field="priority")
    if value not in CUSTOMER_PRIORITIES:
        message = _("Only support agents can set the urgent priority; choose low, normal or high.")
        raise ValidationFailed(message, code="priority_not_allowed", fields={"priority": [message]})
    return value


def _plan_priority(organization, priority):
    """Pro and Business organizations get at least `high`, whatever they chose."""
    plan = billing_selectors.current_plan(organization=organization)
    if getattr(plan, "tier", None) in PRIORITY_FLOOR_TIERS and PRIORITY_RANK[priority] < PRIORITY_RANK[Priority.HIGH]:
        return Priority.HIGH
    return priority


def require_agent(user):
    if not (user and user.is_active and user.is_staff):
        raise Forbidden(_("Only support agents can do this."), code="not_an_agent")


def resolve_related(*, organization, kind, pk):
    """The order, invoice or generation job a ticket refers to, checked to be the organization's."""
    if not kind and pk in (None, ""):
        return None
    message = _("Unknown related object: choose one of your orders, invoices or generation jobs.")
    unknown = ValidationFailed(message, code="unknown_related_object", fields={"related_id": [message]})
    if kind not in RELATED_MODELS:
        raise unknown
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise unknown from None
    try:
        obj = RELATED_SELECTORS[kind](organization=organization, pk=pk)
    except (NotFound, ObjectDoesNotExist):
        raise unknown from None
    if getattr(obj, "organization_id", None) != organization.pk:
        raise unknown
    return obj


def _refuse_if_closed(ticket):
    if ticket.status == Status.CLOSED:
        raise Conflict(
            _("%(number)s is closed. Open a follow-up ticket to continue the conversation.") % {"number": ticket.number},
            code="ticket_closed",
        )


def _locked(ticket):
    # Lock the ticket row only: PostgreSQL refuses FOR UPDATE on the nullable side of a join.
    tickets = Ticket.objects.select_for_update(of=("self",)).select_related("requester", "assignee", "organization")
    return tickets.get(pk=ticket.pk)


# --- status changes (one function per transition, all through `_move`) ---------------------------


def _move(ticket, target, *, by=None, announce_to=None, **changes):
    """Apply a transition: pause accounting for the SLA clock, a system message, and who is told."""
    now = timezone.now()
    source = ticket.status
    TICKET_MACHINE.check(source, target)
    # Time in a paused state stops the clock; closing a resolved ticket does not move its
    # resolution time, which was fixed when it was resolved.
    if source in PAUSED_STATUSES and ticket.paused_since and not (source == Status.RESOLVED and target == Status.CLOSED):
        ticket.paused_seconds += int((now - ticket.paused_since).total_seconds())
    ticket.paused_since = now if target in PAUSED_STATUSES else None
    schedule_sla(ticket)
    TICKET_MACHINE.advance(
        ticket,
        target,
        paused_since=ticket.paused_since,
        paused_seconds=ticket.paused_seconds,
        **{name: getattr(ticket, name) for name in SLA_FIELDS},
        **changes,
    )
    labels = {"source": Status(source).label, "target": Status(target).label}
    if by:
        system_message(ticket, _("Status changed from %(source)s to %(target)s by %(name)s."), name=by.full_name, **labels)
    else:
        system_message(ticket, _("Status changed from %(source)s to %(target)s."), **labels)
    if announce_to:
        tell_status(ticket, side=announce_to, source=source)
    logger.info("ticket_status ticket=%s from=%s to=%s", ticket.number, source, target)
    return ticket


@transaction.atomic
def resolve(*, ticket, agent):
    require_agent(agent)
    ticket = _locked(ticket)
    return _move(ticket, Status.RESOLVED, by=agent, announce_to="customer", resolved_at=timezone.now())


@transaction.atomic
def reopen(*, ticket, user):
    """The customer reopens a resolved ticket, within the reopen window only."""
    ticket = _locked(ticket)
    if ticket.status != Status.RESOLVED:
        raise Conflict(_("Only a resolved ticket can be reopened."), code="not_resolved")
    if not ticket.can_reopen():
        days = conf.REOPEN_WINDOW.days
        raise Conflict(
            _("%(number)s was resolved more than %(days)s days ago: open a new ticket.")
            % {"number": ticket.number, "days": days},
            code="reopen_window_passed",
        )
    return _move(ticket, Status.IN_PROGRESS, by=user, announce_to="agents", resolved_at=None)


@transaction.atomic
def close(*, ticket, by=None):
    """Close for good (an agent, or the auto-close of resolved tickets when `by` is None)."""
    if by is not None:
        require_agent(by)
    ticket = _locked(ticket)
    return _move(ticket, Status.CLOSED, by=by, announce_to="customer", closed_at=timezone.now())


@transaction.atomic
def create_ticket(
    *,
    organization,
    requester,
    subject,
    body,
    category=Category.GENERAL,
    priority=Priority.NORMAL,
    related_kind="",
    related_id=None,
    follow_up_of=None,
    attachments=(),
):
    subject = required_text(subject, field="subject", label=_("Subject"), max_length=200)
    body = required_text(body, field="body", label=_("Message"), max_length=MAX_BODY_LENGTH)
    category = _choice(category, Category, field="category")
    priority = _plan_priority(organization, _customer_priority(priority))
    related = resolve_related(organization=organization, kind=related_kind, pk=related_id)
    if follow_up_of is not None and follow_up_of.organization_id != organization.pk:
        raise NotFound(_("No such ticket."))
    checked = checked_uploads(organization, attachments)

    ticket = Ticket(
        organization=organization,
        requester=requester,
        subject=subject,
        category=category,
        priority=priority,
        related=related,
        follow_up_of=follow_up_of,
    )
    ticket.save()
    # The number comes from the primary key: unique without a counter to lock.
    ticket.number = f"TCK-{ticket.pk:06d}"
    schedule_sla(ticket)
    ticket.save(update_fields=["number", *SLA_FIELDS])
    message = add_message(ticket, author=requester, author_type=TicketMessage.AuthorType.CUSTOMER, body=body, uploads=checked)
    if follow_up_of is not None:
        system_message(ticket, _("Follow-up of %(number)s."), number=follow_up_of.number)

    if requester is not None:
        threaded_email(
            ticket,
            requester,
            template="support/emails/ticket_created",
            kind="support_ticket_created",
            link=customer_link(ticket),
            context={"message": message},
            first=True,
        )
    for agent in users_in(AGENTS_GROUP):
        notify(
            agent,
            "support_ticket_new",
            title=lazy_text(
                _("New ticket %(number)s (%(priority)s)"), number=ticket.number, priority=Priority(ticket.priority).label
            ),
            body=subject,
            link=agent_link(ticket),
        )
    logger.info("ticket_created ticket=%s org=%s priority=%s", ticket.number, organization.pk, priority)
    return ticket


@transaction.atomic
def update_ticket(*, ticket, user, subject=None, category=None, priority=None):
    """What a customer may change on an open ticket: subject, category, priority (low..high)."""
    _refuse_if_closed(ticket)
    ticket = _locked(ticket)
    fields = []
    if subject is not None:
        ticket.subject = required_text(subject, field="subject", label=_("Subject"), max_length=200)
        fields.append("subject")
    if category is not None:
        ticket.category = _choice(category, Category, field="category")
        fields.append("category")
    if priority is not None:
        new_priority = _plan_priority(ticket.organization, _customer_priority(priority))
        if new_priority != ticket.priority:
            _set_priority(ticket, new_priority, by=user)
    if fields:
        ticket.save(update_fields=[*fields, "updated_at"])
    return ticket


def _set_priority(ticket, priority, *, by):
    previous = ticket.priority
    ticket.priority = priority
    schedule_sla(ticket)
    ticket.save(update_fields=["priority", *SLA_FIELDS, "updated_at"])
    labels = {"source": Priority(previous).label, "target": Priority(priority).label}
    if by:
        system_message(ticket, _("Priority changed from %(source)s to %(target)s by %(name)s."), name=by.full_name, **labels)
    else:
        system_message(ticket, _("Priority changed from %(source)s to %(target)s."), **labels)


@transaction.atomic
def set_priority(*, ticket, agent, priority):
    """Agents set any priority, `urgent` included; the SLA due times follow."""
    require_agent(agent)
    _choice(priority, Priority, field="priority")
    _refuse_if_closed(ticket)
    ticket = _locked(ticket)
    if priority != ticket.priority:
        _set_priority(ticket, priority, by=agent)
    return ticket


@transaction.atomic
def customer_reply(*, ticket, user, body, attachments=()):
    body = required_text(body, field="body", label=_("Message"), max_length=MAX_BODY_LENGTH)
    _refuse_if_closed(ticket)
    checked = checked_uploads(ticket.organization, attachments)
    ticket = _locked(ticket)
    _refuse_if_closed(ticket)
    if ticket.status == Status.RESOLVED and not ticket.can_reopen():
        raise Conflict(
            _("%(number)s was resolved too long ago: open a new ticket.") % {"number": ticket.number}, code="reopen_window_passed"
        )
    message = add_message(ticket, author=user, author_type=TicketMessage.AuthorType.CUSTOMER, body=body, uploads=checked)
    changed = ticket.status in (Status.WAITING, Status.RESOLVED)
    if changed:
        _move(ticket, Status.IN_PROGRESS, by=user, resolved_at=None)
    tell_customer_message(ticket, message, status_changed=False)
    tell_agents_message(ticket, message, status_changed=changed)
    return message


@transaction.atomic
def agent_reply(*, ticket, agent, body, internal=False, ask_customer=False, attachments=()):
    """A public reply (moves the ticket to in progress, or to waiting when it asks the customer),
    or an internal note (changes nothing the customer can see)."""
    require_agent(agent)
    body = required_text(body, field="body", label=_("Message"), max_length=MAX_BODY_LENGTH)
    _refuse_if_closed(ticket)
    checked = checked_uploads(None, attachments)  # staff files never count in the customer's storage
    ticket = _locked(ticket)
    _refuse_if_closed(ticket)
    message = add_message(
        ticket, author=agent, author_type=TicketMessage.AuthorType.AGENT, body=body, internal=internal, uploads=checked
    )
    if internal:
        return message
    if ticket.assignee_id is None:
        _assign(ticket, agent, by=agent)
    changes = {} if ticket.first_response_at else {"first_response_at": message.created_at}
    target = Status.WAITING if ask_customer else Status.IN_PROGRESS
    changed = ticket.status != target
    if changed:
        _move(ticket, target, by=agent, resolved_at=None, **changes)
    elif changes:
        Ticket.objects.filter(pk=ticket.pk).update(**changes)
        ticket.first_response_at = changes["first_response_at"]
    tell_customer_message(ticket, message, status_changed=changed)
    return message


def _assign(ticket, assignee, *, by):
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee", "updated_at"])
    if by:
        system_message(ticket, _("Assigned to %(name)s by %(by)s."), name=assignee.full_name, by=by.full_name, internal=True)
    else:
        system_message(ticket, _("Assigned to %(name)s."), name=assignee.full_name, internal=True)
    if by is None or assignee.pk != by.pk:
        notify(
            assignee,
            "support_assigned",
            title=lazy_text(_("%(number)s is assigned to you"), number=ticket.number),
            body=ticket.subject,
            link=agent_link(ticket),
        )


@transaction.atomic
def assign(*, ticket, assignee, by):
    """Assign or reassign to a staff agent."""
    require_agent(by)
    if assignee is None or not selectors.queue_workers().filter(pk=assignee.pk).exists():
        message = _("Tickets can only be assigned to an active support agent.")
        raise ValidationFailed(message, code="invalid_assignee", fields={"assignee": [message]})
    _refuse_if_closed(ticket)
    ticket = _locked(ticket)
    if ticket.assignee_id != assignee.pk:
        _assign(ticket, assignee, by=by)
    return ticket


def bulk_assign(*, tickets, assignee, by):
    """Assign several tickets; closed ones are skipped. Returns how many were assigned."""
    done = 0
    for ticket in tickets:
        if ticket.status != Status.CLOSED:
            assign(ticket=ticket, assignee=assignee, by=by)
            done += 1
    return done


def bulk_close(*, tickets, by):
    done = 0
    for ticket in tickets:
        if ticket.status != Status.CLOSED:
            close(ticket=ticket, by=by)
            done += 1
    return done


@transaction.atomic
def rate(*, ticket, user, rating, comment=""):
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationFailed(_("Rate from 1 to 5."), code="invalid_rating", fields={"rating": [_("Rate from 1 to 5.")]})
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationFailed(
            _("The comment is too long (2000 characters at most)."), code="too_long", fields={"comment": [_("Too long.")]}
        )
    ticket = _locked(ticket)
    if ticket.satisfaction_rating is not None:
        raise Conflict(_("This ticket is already rated."), code="already_rated")
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise Conflict(_("A ticket can be rated once it is resolved."), code="not_resolved")
    ticket.satisfaction_rating, ticket.satisfaction_comment, ticket.rated_at = rating, comment, timezone.now()
    ticket.save(update_fields=["satisfaction_rating", "satisfaction_comment", "rated_at", "updated_at"])
    system_message(ticket, _("%(name)s rated this ticket %(rating)s/5."), name=user.full_name, rating=rating, internal=True)
    return ticket


def render_canned_reply(*, canned, ticket, agent):
    requester = ticket.requester
    return fill_placeholders(
        canned.body,
        {
            "customer_name": requester.get_short_name() if requester else "there",
            "ticket_number": ticket.number,
            "agent_name": agent.get_short_name(),
        },
    )


def active_canned_replies():
    return CannedReply.objects.filter(is_active=True)


def close_resolved_tickets(*, now=None):
    """Resolved tickets close by themselves once the reopen window has passed. Idempotent."""
    cutoff = (now or timezone.now()) - conf.REOPEN_WINDOW
    closed = 0
    for ticket in Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lt=cutoff):
        close(ticket=ticket, by=None)
        closed += 1
    return closed
