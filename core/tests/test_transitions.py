"""The transition log the state machines keep: every move of an order, invoice, subscription,
payment, ticket or job is a row saying from where to where, when, and who made it."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from billing import services as billing_services
from billing.tests.factories import invoice
from core.errors import InvalidTransition
from core.models import StateTransition
from core.state import history
from generation.models import JOB_MACHINE
from generation.tests.factories import GenerationJobFactory
from support.models import Status
from support.tests.factories import open_ticket

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def moves(instance):
    return [(row.source, row.target, row.actor_id) for row in history(instance)]


def test_staff_acting_in_the_admin_is_logged_with_the_time(admin_client, admin_user, organization, user):
    ticket = open_ticket(organization=organization, requester=user)
    with time_machine.travel(NOON, tick=False):
        action = {"action": "close_selected", "_selected_action": [ticket.pk]}
        admin_client.post(reverse("admin:support_ticket_changelist"), action)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    last = history(ticket).last()
    assert (last.source, last.target, last.actor, last.actor_email) == ("open", "closed", admin_user, admin_user.email)
    assert last.created_at == NOON


def test_an_api_client_is_logged_as_the_user_its_token_names(auth_api, organization, user):
    job = GenerationJobFactory(organization=organization, user=user, status="queued")
    response = auth_api.post(f"/api/v1/generation/jobs/{job.pk}/cancel/")
    assert response.status_code == 200
    assert moves(job) == [("queued", "canceled", user.pk)]


def test_work_outside_a_request_is_logged_without_a_user(organization):
    bill = invoice(organization)  # finalized by the service: draft -> open
    billing_services.mark_invoice_paid(invoice=bill, amount=bill.total, reference="bank-transfer-1")
    assert moves(bill) == [("draft", "open", None), ("open", "paid", None)]


def test_a_refused_move_changes_nothing_and_logs_nothing(organization):
    job = GenerationJobFactory(organization=organization, status="succeeded")
    with pytest.raises(InvalidTransition):
        JOB_MACHINE.advance(job, "running")
    job.refresh_from_db()
    assert job.status == "succeeded" and not StateTransition.objects.exists()


def test_staff_read_the_log_in_the_admin_and_cannot_change_it(admin_client, organization):
    bill = invoice(organization)
    entry = history(bill).get()
    listed = admin_client.get(reverse("admin:core_statetransition_changelist"), {"q": entry.object_id})
    assert list(listed.context["cl"].result_list) == [entry]
    assert admin_client.get(reverse("admin:core_statetransition_change", args=[entry.pk])).status_code == 200
    assert admin_client.post(reverse("admin:core_statetransition_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert StateTransition.objects.filter(pk=entry.pk).exists()
