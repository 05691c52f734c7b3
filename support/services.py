"""Every write of the support desk: tickets, replies and notes, transitions, assignment, SLA checks,
ratings and the contact form.

Who is told what: customers hear about public replies and status changes (notification, live
event, threaded email); internal notes reach agents only. Emails and pushes leave after commit.
"""

import importlib
import logging
import uuid
from collections import Counter
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import organizations_for
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from notifications.services import absolute, notify, push_event, send_email
from support import attachments as attachment_checks
from support import conf
from support.models import (
    AGENTS_GROUP,
    CUSTOMER_PRIORITIES,
    DEFAULT_SLA_MINUTES,
    LEADS_GROUP,
    PAUSED_STATUSES,
    PRIORITY_RANK,
    RELATED_MODELS,
    TICKET_MACHINE,
    CannedReply,
    Category,
    ContactRequest,
    Priority,
    SLAEvent,
    SLAPolicy,
    Status,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from support.rendering import fill_placeholders, render_markdown

logger = logging.getLogger("webox.support")

MAX_BODY_LENGTH = 20_000
RELATED_SELECTORS = {
    "order": ("catalog.selectors", "order_for"),
    "invoice": ("billing.selectors", "invoice_for"),
    "generation_job": ("generation.selectors", "job_for"),
}
PRIORITY_FLOOR_TIERS = {"pro", "business"}  # seed 003: these plans get at least `high`


# --- input checks -------------------------------------------------------------------------------


def _required_text(value, *, field, label, max_length):
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"{label} cannot be empty.", code="required", fields={field: [f"{label} cannot be empty."]})
    if len(value) > max_length:
        message = f"{label} is too long ({max_length} characters at most)."
        raise ValidationFailed(message, code="too_long", fields={field: [message]})
    return value


def _choice(value, choices, *, field, label):
    if value not in choices.values:
        message = f"Unknown {label} “{value}”. Use one of: {', '.join(choices.values)}."
        raise ValidationFailed(message, code=f"invalid_{field}", fields={field: [message]})
    return value


def _customer_priority(value):
    _choice(value, Priority, field="priority", label="priority")
    if value not in CUSTOMER_PRIORITIES:
        message = "Only support agents can set the urgent priority; choose low, normal or high."
        raise ValidationFailed(message, code="priority_not_allowed", fields={"priority": [message]})
    return value


def _plan_priority(organization, priority):
    """Pro and Business organizations get at least `high`, whatever they chose."""
    from billing.selectors import current_plan

    plan = current_plan(organization=organization)
    if getattr(plan, "tier", None) in PRIORITY_FLOOR_TIERS and PRIORITY_RANK[priority] < PRIORITY_RANK[Priority.HIGH]:
        return Priority.HIGH
    return priority


def require_agent(user):
    if not (user and user.is_active and user.is_staff):
        raise Forbidden("Only support agents can do this.", code="not_an_agent")


def resolve_related(*, organization, kind, pk):
    """The order, invoice or generation job a ticket refers to, checked to be the organization's."""
    if not kind and pk in (None, ""):
        return None
    message = "Unknown related object: choose one of your orders, invoices or generation jobs."
    unknown = ValidationFailed(message, code="unknown_related_object", fields={"related_id": [message]})
    if kind not in RELATED_MODELS:
        raise unknown
    try:
        pk = int(pk)
        apps.get_model(RELATED_MODELS[kind])
        module_name, function_name = RELATED_SELECTORS[kind]
        selector = getattr(importlib.import_module(module_name), function_name)
    except (TypeError, ValueError, LookupError, ImportError, AttributeError):
        raise unknown from None
    try:
        obj = selector(organization=organization, pk=pk)
    except (NotFound, ObjectDoesNotExist):
        raise unknown from None
    if getattr(obj, "organization_id", None) != organization.pk:
        raise unknown
    return obj


def _check_storage(organization, checked):
    total = sum(upload.size for upload, _ in checked)
    if total:
        from usage.services import check_quota

        check_quota(organization=organization, metric="storage_bytes", amount=total)


def _count_storage(organization, delta_bytes):
    from usage.services import adjust_storage

    adjust_storage(organization=organization, delta_bytes=delta_bytes)


# --- SLA ---------------------------------------------------------------------------------------


def sla_targets(priority):
    """(first response, resolution) as timedeltas, from the editable policy or the defaults."""
    policy = SLAPolicy.objects.filter(priority=priority).first()
    if policy:
        return timedelta(minutes=policy.first_response_minutes), timedelta(minutes=policy.resolution_minutes)
    first, resolution = DEFAULT_SLA_MINUTES[priority]
    return timedelta(minutes=first), timedelta(minutes=resolution)


SLA_FIELDS = ["first_response_due_at", "first_response_warn_at", "resolution_due_at", "resolution_warn_at"]


def _schedule_sla(ticket):
    """Due and warning (80%) times from the creation time, the priority's targets and the time paused."""
    first, resolution = sla_targets(ticket.priority)
    paused = timedelta(seconds=ticket.paused_seconds)
    ticket.first_response_due_at = ticket.created_at + first
    ticket.first_response_warn_at = ticket.created_at + first * 0.8
    ticket.resolution_due_at = ticket.created_at + resolution + paused
    ticket.resolution_warn_at = ticket.created_at + resolution * 0.8 + paused


# --- who is told -------------------------------------------------------------------------------


def customer_link(ticket):
    return reverse("support:ticket_detail", args=[ticket.number])


def agent_link(ticket):
    return reverse("support:agent_ticket", args=[ticket.pk])


def _users_in(group_name):
    return list(get_user_model().objects.filter(groups__name=group_name, is_active=True, is_staff=True).distinct())


def _agent_side(ticket):
    """The assignee, or every support agent while nobody has taken the ticket."""
    if ticket.assignee_id and ticket.assignee.is_active:
        return [ticket.assignee]
    return _users_in(AGENTS_GROUP)


def _email(ticket, user, *, template, kind, link, context=None, first=False):
    """Threaded: the first email of a ticket sets its Message-Id, every later one answers it."""
    if first:
        headers = {"Message-Id": ticket.thread_id}
    else:
        unique = f"<{ticket.number.lower()}.{uuid.uuid4().hex}@{conf.email_domain()}>"
        headers = {"Message-Id": unique, "In-Reply-To": ticket.thread_id, "References": ticket.thread_id}
    send_email(
        to=user.email,
        template=template,
        kind=kind,
        locale=user.locale,
        context={"ticket": ticket, "user": user, "link": absolute(link), **(context or {})},
        related=ticket,
        headers=headers,
    )


def message_payload(message):
    """What a live event carries about a public message (never used for internal notes)."""
    return {
        "id": message.pk,
        "author_type": message.author_type,
        "author_name": message.author_name,
        "body_html": message.body_html,
        "created_at": message.created_at.isoformat(),
    }


def _tell_customer_message(ticket, message, *, status_changed):
    requester = ticket.requester
    if requester is None or message.is_internal:
        return
    push_event(requester, "support.message", {"ticket": ticket.pk, "number": ticket.number, "message": message_payload(message)})
    if message.author_type != TicketMessage.AuthorType.AGENT or not requester.is_active:
        return
    link = customer_link(ticket)
    notify(
        requester,
        "support_reply",
        title=f"New reply on {ticket.number}",
        body=message.body[:300],
        link=link,
        organization=ticket.organization,
    )
    _email(
        ticket,
        requester,
        template="support/emails/ticket_reply",
        kind="support_reply",
        link=link,
        context={"message": message, "status_changed": status_changed},
    )


def _tell_agents_message(ticket, message, *, status_changed):
    link = agent_link(ticket)
    for agent in _agent_side(ticket):
        notify(agent, "support_reply", title=f"Customer replied on {ticket.number}", body=message.body[:300], link=link)
        push_event(agent, "support.message", {"ticket": ticket.pk, "number": ticket.number, "message": message_payload(message)})
        _email(
            ticket,
            agent,
            template="support/emails/ticket_reply",
            kind="support_reply",
            link=link,
            context={"message": message, "status_changed": status_changed, "for_agent": True},
        )


def _tell_status(ticket, *, side, source):
    """A status change told to the side that did not make it."""
    if side == "customer":
        recipients, link = ([ticket.requester] if ticket.requester and ticket.requester.is_active else []), customer_link(ticket)
    else:
        recipients, link = _agent_side(ticket), agent_link(ticket)
    title = f"{ticket.number} is now {ticket.get_status_display().lower()}"
    for user in recipients:
        notify(user, "support_status", title=title, body=ticket.subject, link=link, organization=ticket.organization)
        if side == "customer":
            push_event(user, "support.status", {"ticket": ticket.pk, "number": ticket.number, "status": ticket.status})
        _email(
            ticket,
            user,
            template="support/emails/ticket_status",
            kind="support_status",
            link=link,
            context={"previous": Status(source).label, "for_agent": side == "agents", "reopen_days": conf.REOPEN_WINDOW.days},
        )


# --- messages ----------------------------------------------------------------------------------


def _add_message(ticket, *, author, author_type, body, internal=False, uploads=()):
    message = TicketMessage.objects.create(
        ticket=ticket, author=author, author_type=author_type, body=body, body_html=render_markdown(body), is_internal=internal
    )
    total = 0
    for upload, content_type in uploads:
        TicketAttachment.objects.create(
            message=message,
            organization=ticket.organization,
            file=upload,
            original_name=upload.name[:255],
            content_type=content_type,
            size=upload.size,
        )
        total += upload.size
    if total:
        organization = ticket.organization
        # After commit, and robust: the message is saved either way; a failed count is logged.
        transaction.on_commit(lambda: _count_storage(organization, total), robust=True)
    return message


def _system_message(ticket, text, *, internal=False):
    return _add_message(ticket, author=None, author_type=TicketMessage.AuthorType.SYSTEM, body=text, internal=internal)


def _checked_uploads(organization, attachments):
    checked = attachment_checks.validate(attachments)
    _check_storage(organization, checked)
    return checked


def _refuse_if_closed(ticket):
    if ticket.status == Status.CLOSED:
        raise Conflict(f"{ticket.number} is closed. Open a follow-up ticket to continue the conversation.", code="ticket_closed")


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
    _schedule_sla(ticket)
    TICKET_MACHINE.advance(
        ticket,
        target,
        paused_since=ticket.paused_since,
        paused_seconds=ticket.paused_seconds,
        **{name: getattr(ticket, name) for name in SLA_FIELDS},
        **changes,
    )
    who = f" by {by.full_name}" if by else ""
    _system_message(ticket, f"Status changed from {Status(source).label} to {Status(target).label}{who}.")
    if announce_to:
        _tell_status(ticket, side=announce_to, source=source)
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
        raise Conflict("Only a resolved ticket can be reopened.", code="not_resolved")
    if not ticket.can_reopen():
        days = conf.REOPEN_WINDOW.days
        raise Conflict(f"{ticket.number} was resolved more than {days} days ago: open a new ticket.", code="reopen_window_passed")
    return _move(ticket, Status.IN_PROGRESS, by=user, announce_to="agents", resolved_at=None)


@transaction.atomic
def close(*, ticket, by=None):
    """Close for good (an agent, or the auto-close of resolved tickets when `by` is None)."""
    if by is not None:
        require_agent(by)
    ticket = _locked(ticket)
    return _move(ticket, Status.CLOSED, by=by, announce_to="customer", closed_at=timezone.now())


# --- tickets -----------------------------------------------------------------------------------


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
    subject = _required_text(subject, field="subject", label="Subject", max_length=200)
    body = _required_text(body, field="body", label="Message", max_length=MAX_BODY_LENGTH)
    category = _choice(category, Category, field="category", label="category")
    priority = _plan_priority(organization, _customer_priority(priority))
    related = resolve_related(organization=organization, kind=related_kind, pk=related_id)
    if follow_up_of is not None and follow_up_of.organization_id != organization.pk:
        raise NotFound("No such ticket.")
    checked = _checked_uploads(organization, attachments)

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
    _schedule_sla(ticket)
    ticket.save(update_fields=["number", *SLA_FIELDS])
    message = _add_message(ticket, author=requester, author_type=TicketMessage.AuthorType.CUSTOMER, body=body, uploads=checked)
    if follow_up_of is not None:
        _system_message(ticket, f"Follow-up of {follow_up_of.number}.")

    if requester is not None:
        _email(
            ticket,
            requester,
            template="support/emails/ticket_created",
            kind="support_ticket_created",
            link=customer_link(ticket),
            context={"message": message},
            first=True,
        )
    for agent in _users_in(AGENTS_GROUP):
        notify(
            agent,
            "support_ticket_new",
            title=f"New ticket {ticket.number} ({ticket.get_priority_display()})",
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
        ticket.subject = _required_text(subject, field="subject", label="Subject", max_length=200)
        fields.append("subject")
    if category is not None:
        ticket.category = _choice(category, Category, field="category", label="category")
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
    _schedule_sla(ticket)
    ticket.save(update_fields=["priority", *SLA_FIELDS, "updated_at"])
    who = f" by {by.full_name}" if by else ""
    _system_message(ticket, f"Priority changed from {Priority(previous).label} to {Priority(priority).label}{who}.")


@transaction.atomic
def set_priority(*, ticket, agent, priority):
    """Agents set any priority, `urgent` included; the SLA due times follow."""
    require_agent(agent)
    _choice(priority, Priority, field="priority", label="priority")
    _refuse_if_closed(ticket)
    ticket = _locked(ticket)
    if priority != ticket.priority:
        _set_priority(ticket, priority, by=agent)
    return ticket


@transaction.atomic
def customer_reply(*, ticket, user, body, attachments=()):
    body = _required_text(body, field="body", label="Message", max_length=MAX_BODY_LENGTH)
    _refuse_if_closed(ticket)
    checked = _checked_uploads(ticket.organization, attachments)
    ticket = _locked(ticket)
    _refuse_if_closed(ticket)
    if ticket.status == Status.RESOLVED and not ticket.can_reopen():
        raise Conflict(f"{ticket.number} was resolved too long ago: open a new ticket.", code="reopen_window_passed")
    message = _add_message(ticket, author=user, author_type=TicketMessage.AuthorType.CUSTOMER, body=body, uploads=checked)
    changed = ticket.status in (Status.WAITING, Status.RESOLVED)
    if changed:
        _move(ticket, Status.IN_PROGRESS, by=user, resolved_at=None)
    _tell_customer_message(ticket, message, status_changed=False)
    _tell_agents_message(ticket, message, status_changed=changed)
    return message


@transaction.atomic
def agent_reply(*, ticket, agent, body, internal=False, ask_customer=False, attachments=()):
    """A public reply (moves the ticket to in progress, or to waiting when it asks the customer),
    or an internal note (changes nothing the customer can see)."""
    require_agent(agent)
    body = _required_text(body, field="body", label="Message", max_length=MAX_BODY_LENGTH)
    _refuse_if_closed(ticket)
    checked = _checked_uploads(ticket.organization, attachments)
    ticket = _locked(ticket)
    _refuse_if_closed(ticket)
    message = _add_message(
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
    _tell_customer_message(ticket, message, status_changed=changed)
    return message


def _assign(ticket, assignee, *, by):
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee", "updated_at"])
    who = f" by {by.full_name}" if by else ""
    _system_message(ticket, f"Assigned to {assignee.full_name}{who}.", internal=True)
    if by is None or assignee.pk != by.pk:
        notify(
            assignee,
            "support_assigned",
            title=f"{ticket.number} is assigned to you",
            body=ticket.subject,
            link=agent_link(ticket),
        )


@transaction.atomic
def assign(*, ticket, assignee, by):
    """Assign or reassign to a staff agent."""
    require_agent(by)
    if assignee is None or not (assignee.is_active and assignee.is_staff):
        message = "Tickets can only be assigned to an active support agent."
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
        raise ValidationFailed("Rate from 1 to 5.", code="invalid_rating", fields={"rating": ["Rate from 1 to 5."]})
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationFailed(
            "The comment is too long (2000 characters at most).", code="too_long", fields={"comment": ["Too long."]}
        )
    ticket = _locked(ticket)
    if ticket.satisfaction_rating is not None:
        raise Conflict("This ticket is already rated.", code="already_rated")
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise Conflict("A ticket can be rated once it is resolved.", code="not_resolved")
    ticket.satisfaction_rating, ticket.satisfaction_comment, ticket.rated_at = rating, comment, timezone.now()
    ticket.save(update_fields=["satisfaction_rating", "satisfaction_comment", "rated_at", "updated_at"])
    _system_message(ticket, f"{user.full_name} rated this ticket {rating}/5.", internal=True)
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


# --- periodic work -----------------------------------------------------------------------------

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


def _alert(ticket, target, level):
    recipients = {user.pk: user for user in _users_in(LEADS_GROUP)}
    if ticket.assignee_id and ticket.assignee.is_active:
        recipients[ticket.assignee_id] = ticket.assignee
    label = SLAEvent.Target(target).label.lower()
    due = ticket.first_response_due_at if target == SLAEvent.Target.FIRST_RESPONSE else ticket.resolution_due_at
    if level == SLAEvent.Level.BREACH:
        title = f"SLA breached: {ticket.number} missed its {label} target"
    else:
        title = f"SLA warning: {ticket.number} is at 80% of its {label} target"
    body = f"{ticket.subject} ({ticket.get_priority_display()}), due {due:%Y-%m-%d %H:%M} UTC."
    for user in recipients.values():
        notify(user, f"support_sla_{level}", title=title, body=body, link=agent_link(ticket), context={"ticket": ticket})


def close_resolved_tickets(*, now=None):
    """Resolved tickets close by themselves once the reopen window has passed. Idempotent."""
    cutoff = (now or timezone.now()) - conf.REOPEN_WINDOW
    closed = 0
    for ticket in Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lt=cutoff):
        close(ticket=ticket, by=None)
        closed += 1
    return closed


# --- contact form ------------------------------------------------------------------------------


@transaction.atomic
def submit_contact(*, name, email, subject, message, honeypot="", ip_address=None):
    """The public form: a ticket for a known email's organization, else a contact request to triage.
    A filled honeypot (a field people never see) is a bot: refused, nothing stored."""
    if honeypot:
        raise ValidationFailed("This message looks automated and was not sent.", code="spam_detected")
    name = _required_text(name, field="name", label="Name", max_length=120)
    email = _required_text(email, field="email", label="Email", max_length=254).lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed(
            "Enter a valid email address.", code="invalid_email", fields={"email": ["Enter a valid email address."]}
        ) from None
    subject = _required_text(subject, field="subject", label="Subject", max_length=200)
    message = _required_text(message, field="message", label="Message", max_length=MAX_BODY_LENGTH)

    request = ContactRequest.objects.create(name=name, email=email, subject=subject, message=message, ip_address=ip_address)
    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    organization = _organization_of(user) if user else None
    if organization is not None:
        # create_ticket sends the confirmation (the first email of the ticket's thread).
        request.ticket = create_ticket(organization=organization, requester=user, subject=subject, body=message)
        request.status = ContactRequest.Status.TICKET_CREATED
        request.save(update_fields=["ticket", "status"])
    else:
        send_email(
            to=email,
            template="support/emails/contact_received",
            kind="support_contact_received",
            context={"name": name, "subject": subject},
            related=request,
        )
    logger.info("contact_request id=%s ticket=%s", request.pk, request.ticket_id or "-")
    return request


def _organization_of(user):
    organizations = organizations_for(user)
    return organizations.filter(pk=user.default_organization_id).first() or organizations.first()


def mark_contact_request(*, request, status, by):
    require_agent(by)
    if status not in (ContactRequest.Status.HANDLED, ContactRequest.Status.SPAM):
        raise ValidationFailed("A contact request is marked handled or spam.", code="invalid_status")
    ContactRequest.objects.filter(pk=request.pk).update(status=status, handled_at=timezone.now())
