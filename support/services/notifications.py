"""Who is told what about a ticket: customers hear about public replies and status changes
(notification, live event, threaded email); agents about customer replies; internal notes reach
agents only. Emails and pushes leave after commit."""

import uuid

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy

from accounts.selectors import language_for
from core.i18n import lazy_text
from notifications.services import absolute, notify, push_event, send_email
from support import conf
from support.models import AGENTS_GROUP, Status, TicketMessage

# One sentence per status, so each language words it whole (a status label does not fit every sentence).
STATUS_TITLES = {
    Status.OPEN: gettext_lazy("%(number)s is now open"),
    Status.IN_PROGRESS: gettext_lazy("%(number)s is now in progress"),
    Status.WAITING: gettext_lazy("%(number)s is now waiting on the customer"),
    Status.RESOLVED: gettext_lazy("%(number)s is now resolved"),
    Status.CLOSED: gettext_lazy("%(number)s is now closed"),
}


def customer_link(ticket):
    return reverse("support:ticket_detail", args=[ticket.number])


def agent_link(ticket):
    return reverse("support:agent_ticket", args=[ticket.pk])


def users_in(group_name):
    return list(get_user_model().objects.filter(groups__name=group_name, is_active=True, is_staff=True).distinct())


def agent_side(ticket):
    """The assignee, or every support agent while nobody has taken the ticket."""
    if ticket.assignee_id and ticket.assignee.is_active:
        return [ticket.assignee]
    return users_in(AGENTS_GROUP)


def threaded_email(ticket, user, *, template, kind, link, context=None, first=False):
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
        locale=language_for(user, ticket.organization),
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


def tell_customer_message(ticket, message, *, status_changed):
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
        title=lazy_text(gettext_lazy("New reply on %(number)s"), number=ticket.number),
        body=message.body[:300],
        link=link,
        organization=ticket.organization,
    )
    threaded_email(
        ticket,
        requester,
        template="support/emails/ticket_reply",
        kind="support_reply",
        link=link,
        context={"message": message, "status_changed": status_changed},
    )


def tell_agents_message(ticket, message, *, status_changed):
    link = agent_link(ticket)
    for agent in agent_side(ticket):
        notify(
            agent,
            "support_reply",
            title=lazy_text(gettext_lazy("Customer replied on %(number)s"), number=ticket.number),
            body=message.body[:300],
            link=link,
        )
        push_event(agent, "support.message", {"ticket": ticket.pk, "number": ticket.number, "message": message_payload(message)})
        threaded_email(
            ticket,
            agent,
            template="support/emails/ticket_reply",
            kind="support_reply",
            link=link,
            context={"message": message, "status_changed": status_changed, "for_agent": True},
        )


def tell_status(ticket, *, side, source):
    """A status change told to the side that did not make it."""
    if side == "customer":
        recipients, link = ([ticket.requester] if ticket.requester and ticket.requester.is_active else []), customer_link(ticket)
    else:
        recipients, link = agent_side(ticket), agent_link(ticket)
    title = lazy_text(STATUS_TITLES[ticket.status], number=ticket.number)
    for user in recipients:
        notify(user, "support_status", title=title, body=ticket.subject, link=link, organization=ticket.organization)
        if side == "customer":
            push_event(user, "support.status", {"ticket": ticket.pk, "number": ticket.number, "status": ticket.status})
        threaded_email(
            ticket,
            user,
            template="support/emails/ticket_status",
            kind="support_status",
            link=link,
            context={"previous": Status(source).label, "for_agent": side == "agents", "reopen_days": conf.REOPEN_WINDOW.days},
        )
