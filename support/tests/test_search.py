import pytest

from conftest import requires_postgres
from support import selectors, services
from support.models import Ticket
from support.tests.factories import open_ticket


@pytest.mark.django_db
def test_search_by_subject_number_and_public_messages(organization, user, agent):
    first = open_ticket(organization=organization, requester=user, subject="Invoice address wrong", body="Street name typo")
    second = open_ticket(organization=organization, requester=user, subject="Video render", body="Stuck at the end")
    services.agent_reply(ticket=second, agent=agent, body="Checked the kubernetes queue", internal=True)
    tickets = Ticket.objects.all()

    def found(query, include_internal=False):
        return set(selectors.search(tickets, query, include_internal=include_internal))

    assert found("invoice") == {first}
    assert found("typo") == {first}
    assert found(second.number) == {second}
    assert found("kubernetes") == set()  # only in an internal note
    assert found("kubernetes", include_internal=True) == {second}


@requires_postgres
@pytest.mark.django_db
def test_full_text_search_on_postgresql_matches_word_forms(organization, user):
    ticket = open_ticket(organization=organization, requester=user, subject="Exports failing", body="The spinner keeps spinning")
    open_ticket(organization=organization, requester=user, subject="Unrelated", body="Nothing here")
    assert list(selectors.search(Ticket.objects.all(), "export fails", include_internal=False)) == [ticket]
    assert list(selectors.search(Ticket.objects.all(), "spin", include_internal=False)) == [ticket]
