"""Who may be given a ticket, and whose storage a file counts in: tickets go only to people who can
work the queue, and files staff attach never count in (or against) the customer's storage."""

import pytest
from django.contrib.auth.models import Group

from accounts.tests.factories import UserFactory
from core.errors import ValidationFailed
from support import selectors, services
from support.admin import TicketActionForm
from support.forms import agent_choices
from support.tests.factories import open_ticket, png


@pytest.fixture
def finance(db):
    user = UserFactory(email="fiona@example.test", is_staff=True)
    user.groups.add(Group.objects.get(name="Finance"))
    return user


@pytest.fixture
def ticket(organization, user):
    return open_ticket(organization=organization, requester=user)


@pytest.mark.django_db
def test_only_people_who_work_the_queue_can_be_given_a_ticket(ticket, agent, lead, finance, admin_user):
    assert set(selectors.queue_workers()) == {agent, lead, admin_user}
    with pytest.raises(ValidationFailed) as refused:
        services.assign(ticket=ticket, assignee=finance, by=lead)
    assert refused.value.code == "invalid_assignee"
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert services.assign(ticket=ticket, assignee=agent, by=lead).assignee == agent


@pytest.mark.django_db
def test_the_assign_lists_offer_queue_workers_only(agent, finance):
    assert [pk for pk, _name in agent_choices()] == [agent.pk]
    assert list(TicketActionForm().fields["assignee"].queryset) == [agent]


@pytest.mark.django_db
def test_staff_files_never_count_in_the_customer_s_storage(ticket, user, agent, storage, run_on_commit):
    storage.limit = 0  # the customer has no room left: an agent can still attach a capture
    with run_on_commit(execute=True):
        note = services.agent_reply(ticket=ticket, agent=agent, body="Capture", internal=True, attachments=[png()])
        services.agent_reply(ticket=ticket, agent=agent, body="Here is the fix", attachments=[png("fix.png")])
    assert note.attachments.count() == 1
    assert storage.adjustments == []
    storage.limit = None
    with run_on_commit(execute=True):
        services.customer_reply(ticket=ticket, user=user, body="Thanks", attachments=[png()])
    assert [organization for organization, _delta in storage.adjustments] == [ticket.organization_id]
