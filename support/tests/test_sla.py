"""SLA: warnings at 80% and breaches at the due time, once each, to the assignee and the leads;
the clock pauses while the ticket waits on the customer; breached tickets first in the queue."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from core.models import TaskRun
from notifications.models import Notification
from support import selectors, services, tasks
from support.models import SLAEvent, SLAPolicy, Ticket
from support.tests.factories import open_ticket

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def alerts(user):
    return list(Notification.objects.filter(recipient=user, kind__startswith="support_sla").values_list("title", flat=True))


@pytest.mark.django_db
def test_warning_at_80_percent_then_breach_for_each_target(organization, user, agent, lead, run_on_commit):
    with time_machine.travel(START, tick=False) as clock:
        ticket = open_ticket(organization=organization, requester=user, priority="high")  # 4 h / 24 h
        services.assign(ticket=ticket, assignee=agent, by=lead)

        clock.move_to(START + timedelta(hours=3, minutes=11))  # 79.6% of 4 h
        assert services.check_sla() == {}

        clock.move_to(START + timedelta(hours=3, minutes=12))  # exactly 80%
        mail.outbox.clear()
        with run_on_commit(execute=True):
            assert services.check_sla() == {"first_response_warning": 1}
        # Staff with no language of their own read the platform's, French.
        assert alerts(agent) == alerts(lead) == [f"Alerte SLA : {ticket.number} a atteint 80 % de son délai de première réponse"]
        assert sorted(m.to[0] for m in mail.outbox) == sorted([agent.email, lead.email])
        assert services.check_sla() == {}  # idempotent

        clock.move_to(START + timedelta(hours=4))
        assert services.check_sla() == {"first_response_breach": 1}
        ticket.refresh_from_db()
        assert ticket.sla_breached_at == START + timedelta(hours=4)
        assert services.check_sla() == {}

        # Answered late; the resolution clock (24 h) runs on.
        services.agent_reply(ticket=ticket, agent=agent, body="Looking into it.")
        clock.move_to(START + timedelta(hours=19, minutes=12))
        assert services.check_sla() == {"resolution_warning": 1}
        clock.move_to(START + timedelta(hours=24))
        assert services.check_sla() == {"resolution_breach": 1}

    assert SLAEvent.objects.filter(ticket=ticket).count() == 4
    assert len(alerts(agent)) == len(alerts(lead)) == 4


@pytest.mark.django_db
def test_waiting_on_the_customer_pauses_the_clock(organization, user, agent):
    with time_machine.travel(START, tick=False) as clock:
        ticket = open_ticket(organization=organization, requester=user, priority="high")
        clock.shift(timedelta(hours=1))
        services.agent_reply(ticket=ticket, agent=agent, body="Which file?", ask_customer=True)
        # 30 hours waiting: past the 24 h resolution target, yet nothing is flagged.
        clock.shift(timedelta(hours=30))
        assert services.check_sla() == {}
        services.customer_reply(ticket=ticket, user=user, body="invoice.pdf")
        ticket.refresh_from_db()
        assert ticket.resolution_due_at == START + timedelta(hours=54)
        clock.move_to(START + timedelta(hours=53, minutes=59))
        assert "resolution_breach" not in services.check_sla()
        clock.move_to(START + timedelta(hours=54))
        assert services.check_sla()["resolution_breach"] == 1


@pytest.mark.django_db
def test_targets_are_editable(organization, user):
    SLAPolicy.objects.filter(priority="normal").update(first_response_minutes=30, resolution_minutes=120)
    with time_machine.travel(START, tick=False):
        ticket = open_ticket(organization=organization, requester=user)
    assert ticket.first_response_due_at == START + timedelta(minutes=30)
    assert ticket.resolution_due_at == START + timedelta(hours=2)


@pytest.mark.django_db
def test_periodic_task_records_its_run_and_breached_tickets_come_first(organization, user, agent):
    with time_machine.travel(START, tick=False) as clock:
        calm = open_ticket(organization=organization, requester=user, subject="Calm", priority="low")
        clock.shift(timedelta(minutes=5))
        late = open_ticket(organization=organization, requester=user, subject="Late", priority="high")
        clock.shift(timedelta(hours=5))
        tasks.check_sla.delay()
        tasks.check_sla.delay()
        runs = TaskRun.objects.filter(task="support.check_sla").order_by("pk")
        assert [run.counts for run in runs] == [{"first_response_breach": 1}, {}]  # the second run finds nothing new
        queue = list(selectors.agent_queue(agent=agent, view="active"))
        assert [t.subject for t in queue] == ["Late", "Calm"]
        assert [t.subject for t in selectors.agent_queue(agent=agent, view="breached")] == ["Late"]
    assert Ticket.objects.get(pk=late.pk).sla_breached_at is not None
    assert Ticket.objects.get(pk=calm.pk).sla_breached_at is None
