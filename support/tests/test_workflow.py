"""The whole ticket workflow, with the clock moved by time-machine."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from core.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from support import services
from support.models import Priority, Status, Ticket, TicketMessage
from support.tests.factories import open_ticket

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def system_lines(ticket):
    return list(ticket.messages.filter(author_type="system", is_internal=False).values_list("body", flat=True))


@pytest.mark.django_db
def test_full_lifecycle_with_waiting_pause_resolve_reopen_and_auto_close(organization, user, agent, run_on_commit):
    with time_machine.travel(START, tick=False) as clock:
        with run_on_commit(execute=True):
            ticket = open_ticket(organization=organization, requester=user, priority=Priority.NORMAL)
        assert ticket.number == f"TCK-{ticket.pk:06d}"
        assert ticket.status == Status.OPEN
        assert ticket.first_response_due_at == START + timedelta(hours=24)
        assert ticket.resolution_due_at == START + timedelta(hours=72)

        clock.shift(timedelta(hours=2))
        services.agent_reply(ticket=ticket, agent=agent, body="Which browser do you use?", ask_customer=True)
        ticket.refresh_from_db()
        assert ticket.status == Status.WAITING
        assert ticket.first_response_at == START + timedelta(hours=2)
        assert ticket.assignee == agent  # answering an unassigned ticket takes it

        # Ten hours waiting on the customer do not count against the resolution target.
        clock.shift(timedelta(hours=10))
        services.customer_reply(ticket=ticket, user=user, body="Firefox 140.")
        ticket.refresh_from_db()
        assert ticket.status == Status.IN_PROGRESS
        assert ticket.paused_seconds == 10 * 3600
        assert ticket.resolution_due_at == START + timedelta(hours=82)

        clock.shift(timedelta(hours=3))
        services.agent_reply(ticket=ticket, agent=agent, body="Fixed in today's release.")
        services.resolve(ticket=ticket, agent=agent)
        ticket.refresh_from_db()
        assert ticket.status == Status.RESOLVED
        assert ticket.resolved_at == START + timedelta(hours=15)

        # The customer reopens within the window, the agent resolves again.
        clock.shift(timedelta(days=2))
        services.reopen(ticket=ticket, user=user)
        ticket.refresh_from_db()
        assert ticket.status == Status.IN_PROGRESS and ticket.resolved_at is None
        services.resolve(ticket=ticket, agent=agent)

        # Not closed before the 7 days are over, closed after, and only once.
        clock.shift(timedelta(days=6, hours=23))
        assert services.close_resolved_tickets() == 0
        clock.shift(timedelta(hours=2))
        assert services.close_resolved_tickets() == 1
        assert services.close_resolved_tickets() == 0
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED
        assert ticket.closed_at == START + timedelta(days=9, hours=16)

    assert system_lines(ticket) == [
        "Status changed from Open to Waiting on customer by Sam Agent.",
        f"Status changed from Waiting on customer to In progress by {user.full_name}.",
        "Status changed from In progress to Resolved by Sam Agent.",
        f"Status changed from Resolved to In progress by {user.full_name}.",
        "Status changed from In progress to Resolved by Sam Agent.",
        "Status changed from Resolved to Closed.",
    ]


@pytest.mark.django_db
def test_reopen_refused_after_the_window(organization, user, agent):
    with time_machine.travel(START, tick=False) as clock:
        ticket = open_ticket(organization=organization, requester=user)
        services.resolve(ticket=ticket, agent=agent)
        clock.shift(timedelta(days=7, minutes=1))
        with pytest.raises(Conflict) as error:
            services.reopen(ticket=ticket, user=user)
    assert error.value.code == "reopen_window_passed"
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


@pytest.mark.django_db
def test_closed_is_final_and_a_follow_up_ticket_links_to_it(organization, user, agent):
    ticket = open_ticket(organization=organization, requester=user)
    services.close(ticket=ticket, by=agent)
    messages_before = TicketMessage.objects.count()
    with pytest.raises(Conflict) as error:
        services.customer_reply(ticket=ticket, user=user, body="One more thing")
    assert error.value.code == "ticket_closed"
    with pytest.raises(InvalidTransition):
        services.resolve(ticket=ticket, agent=agent)
    assert TicketMessage.objects.count() == messages_before

    follow_up = open_ticket(organization=organization, requester=user, subject="Still broken", follow_up_of=ticket)
    assert follow_up.follow_up_of == ticket
    assert follow_up.messages.filter(body=f"Follow-up of {ticket.number}.").exists()


@pytest.mark.django_db
def test_customer_reply_moves_waiting_back_to_in_progress_and_emails_the_assignee(organization, user, agent, run_on_commit):
    ticket = open_ticket(organization=organization, requester=user)
    services.agent_reply(ticket=ticket, agent=agent, body="Can you send a screenshot?", ask_customer=True)
    mail.outbox.clear()
    with run_on_commit(execute=True):
        services.customer_reply(ticket=ticket, user=user, body="Here it is.")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert [m.to for m in mail.outbox] == [[agent.email]]
    assert "Here it is." in mail.outbox[0].body


@pytest.mark.django_db
def test_priority_rules(organization, user, agent, plan):
    with pytest.raises(ValidationFailed) as error:
        open_ticket(organization=organization, requester=user, priority="urgent")
    assert error.value.code == "priority_not_allowed"
    with pytest.raises(ValidationFailed) as error:
        open_ticket(organization=organization, requester=user, priority="critical")
    assert error.value.code == "invalid_priority"
    with pytest.raises(ValidationFailed):
        open_ticket(organization=organization, requester=user, category="complaints")
    assert Ticket.objects.count() == 0

    assert open_ticket(organization=organization, requester=user, priority="low").priority == Priority.LOW
    plan.tier = "pro"
    assert open_ticket(organization=organization, requester=user, priority="low").priority == Priority.HIGH
    plan.tier = "business"
    ticket = open_ticket(organization=organization, requester=user, priority="normal")
    assert ticket.priority == Priority.HIGH

    with pytest.raises(Forbidden):
        services.set_priority(ticket=ticket, agent=user, priority="urgent")
    services.set_priority(ticket=ticket, agent=agent, priority="urgent")
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    assert ticket.first_response_due_at == ticket.created_at + timedelta(hours=1)
    assert ticket.resolution_due_at == ticket.created_at + timedelta(hours=8)


@pytest.mark.django_db
def test_empty_subject_or_body_changes_nothing(organization, user, agent):
    for subject, body in (("", "text"), ("   ", "text"), ("Subject", ""), ("Subject", "  \n ")):
        with pytest.raises(ValidationFailed):
            open_ticket(organization=organization, requester=user, subject=subject, body=body)
    assert Ticket.objects.count() == 0
    ticket = open_ticket(organization=organization, requester=user)
    count = ticket.messages.count()
    with pytest.raises(ValidationFailed):
        services.agent_reply(ticket=ticket, agent=agent, body=" ")
    assert ticket.messages.count() == count


@pytest.mark.django_db
def test_assign_reassign_and_bulk_actions(organization, user, agent, other_agent):
    tickets = [open_ticket(organization=organization, requester=user, subject=f"Problem {n}") for n in range(3)]
    services.assign(ticket=tickets[0], assignee=agent, by=agent)
    services.assign(ticket=tickets[0], assignee=other_agent, by=agent)
    tickets[0].refresh_from_db()
    assert tickets[0].assignee == other_agent
    with pytest.raises(ValidationFailed):
        services.assign(ticket=tickets[1], assignee=user, by=agent)  # customers are not agents

    services.close(ticket=tickets[2], by=agent)
    assert services.bulk_assign(tickets=Ticket.objects.all(), assignee=agent, by=agent) == 2
    assert services.bulk_close(tickets=Ticket.objects.all(), by=agent) == 2
    assert set(Ticket.objects.values_list("status", flat=True)) == {Status.CLOSED}


@pytest.mark.django_db
def test_rating_once_when_resolved(organization, user, agent):
    ticket = open_ticket(organization=organization, requester=user)
    with pytest.raises(Conflict):
        services.rate(ticket=ticket, user=user, rating=5)
    services.resolve(ticket=ticket, agent=agent)
    for bad in (0, 6, "five"):
        with pytest.raises(ValidationFailed):
            services.rate(ticket=ticket, user=user, rating=bad)
    services.rate(ticket=ticket, user=user, rating=4, comment="Quick and kind.")
    ticket.refresh_from_db()
    assert (ticket.satisfaction_rating, ticket.satisfaction_comment) == (4, "Quick and kind.")
    with pytest.raises(Conflict):
        services.rate(ticket=ticket, user=user, rating=1)


@pytest.mark.django_db
def test_emails_to_the_customer_are_threaded_and_sent_once(organization, user, agent, run_on_commit):
    with time_machine.travel(START, tick=False) as clock:
        with run_on_commit(execute=True):
            ticket = open_ticket(organization=organization, requester=user, subject="Threaded")
            services.agent_reply(ticket=ticket, agent=agent, body="Fixed now.")
            services.resolve(ticket=ticket, agent=agent)
        clock.shift(timedelta(days=8))
        with run_on_commit(execute=True):
            services.close_resolved_tickets()
            services.close_resolved_tickets()
    to_customer = [m for m in mail.outbox if m.to == [user.email]]
    assert [m.subject for m in to_customer] == [
        f"[{ticket.number}] Threaded",
        f"Re: [{ticket.number}] Threaded",
        f"Re: [{ticket.number}] Threaded",
        f"Re: [{ticket.number}] Threaded",
    ]
    assert "Fixed now." in to_customer[1].body
    assert "from in progress to resolved" in to_customer[2].body
    assert "from resolved to closed" in to_customer[3].body
    first, *answers = to_customer
    assert first.extra_headers["Message-Id"] == ticket.thread_id
    assert all(m.extra_headers["In-Reply-To"] == ticket.thread_id == m.extra_headers["References"] for m in answers)
    assert len({m.extra_headers["Message-Id"] for m in to_customer}) == 4
    assert f"/support/tickets/{ticket.number}/" in answers[0].body
