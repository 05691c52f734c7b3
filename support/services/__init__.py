"""Every write of the support desk, one module per concern: tickets (create, update, replies,
priorities, assignment, transitions, ratings, auto-close), messages (the thread and its
attachments), notifications (who is told what), sla (targets and the periodic check) and contact
(the public form). This package re-exports what the pages, the API, the admin and the tasks call.
"""

from support.services.contact import mark_contact_request, submit_contact
from support.services.sla import check_sla, sla_targets
from support.services.tickets import (
    active_canned_replies,
    agent_reply,
    assign,
    bulk_assign,
    bulk_close,
    close,
    close_resolved_tickets,
    create_ticket,
    customer_reply,
    rate,
    render_canned_reply,
    reopen,
    resolve,
    set_priority,
    update_ticket,
)

__all__ = [
    "active_canned_replies",
    "agent_reply",
    "assign",
    "bulk_assign",
    "bulk_close",
    "check_sla",
    "close",
    "close_resolved_tickets",
    "create_ticket",
    "customer_reply",
    "mark_contact_request",
    "rate",
    "render_canned_reply",
    "reopen",
    "resolve",
    "set_priority",
    "sla_targets",
    "submit_contact",
    "update_ticket",
]
