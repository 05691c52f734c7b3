"""The staff automation dashboard, the policy admin and the customer's overdue banner."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from billing import dunning, services, tasks
from billing.context_processors import billing_banner
from billing.models import DunningEvent, Invoice
from billing.tests.factories import PlanFactory, invoice

pytestmark = pytest.mark.django_db


def at(day):
    return time_machine.travel(datetime(day.year, day.month, day.day, 9, tzinfo=UTC), tick=False)


@pytest.fixture
def overdue(organization, user):
    with at(date(2026, 3, 1)):
        return invoice(organization, source_id="x")


def test_dashboard_shows_runs_preview_and_ages_and_acts(admin_client, overdue, run_on_commit, mailoutbox):
    client = admin_client
    day = overdue.due_date + timedelta(days=4)
    with at(day), run_on_commit(execute=True):
        tasks.run_dunning()
    url = reverse("admin:billing_automation")
    with at(day + timedelta(days=4)):
        page = client.get(url).content.decode()
        assert "billing.dunning" in page and "friendly_reminder: 1" in page
        assert "D+7 Urgent reminder" in page  # the dry run of the next step
        assert overdue.number in page and f"<td>{overdue.organization.name}</td>" in page  # its name, not its id
        with run_on_commit(execute=True):
            response = client.post(url, {"invoice": overdue.pk, "action": "send_next"}, follow=True)
    assert "Next reminder sent" in response.content.decode()
    assert list(overdue.dunning_events.values_list("offset_days", flat=True)) == [3, 7]
    assert len(mailoutbox) == 2
    invoice_page = client.get(reverse("admin:billing_invoice_change", args=[overdue.pk])).content.decode()
    assert "Urgent reminder" in invoice_page and "Reminder sent" in invoice_page
    client.post(url, {"invoice": overdue.pk, "action": "uncollectible"})
    overdue.refresh_from_db()
    assert overdue.status == Invoice.Status.UNCOLLECTIBLE
    assert reverse("admin:billing_automation") in client.get(reverse("admin:billing_dunningpolicy_changelist")).content.decode()


def test_dashboard_is_for_staff_only(client_user):
    response = client_user.get(reverse("admin:billing_automation"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_admin_refuses_steps_out_of_order_with_a_clear_message(admin_client):
    client = admin_client
    policy = dunning.default_policy()
    data = {
        "name": "Default",
        "retry_days": "[1, 3, 6]",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-0-position": "0",
        "steps-0-offset_days": "10",
        "steps-0-action": "urgent_reminder",
        "steps-1-position": "1",
        "steps-1-offset_days": "5",
        "steps-1-action": "friendly_reminder",
    }
    response = client.post(reverse("admin:billing_dunningpolicy_change", args=[policy.pk]), data)
    assert "Step D+5 is listed after D+10" in response.content.decode()
    data.update({"steps-1-offset_days": "10", "retry_days": "[1, 9]"})
    page = client.post(reverse("admin:billing_dunningpolicy_change", args=[policy.pk]), data).content.decode()
    assert "Two steps are on day D+10" in page and "within 7 days" in page
    assert list(policy.steps.values_list("offset_days", flat=True)) == [3, 7, 15, 30]


def test_banner_points_to_overdue_invoices_when_suspended(organization, user):
    plan = PlanFactory(code="pro-b", prices={"EUR": 1900})
    with at(date(2026, 3, 1)):
        subscription = services.subscribe(organization=organization, plan=plan)
    request = RequestFactory().get("/")
    request.user, request.organization = user, organization
    assert billing_banner(request) == {}
    inv = subscription.invoices.get()
    with at(inv.due_date + timedelta(days=30)):
        dunning.run_dunning()
        for event in DunningEvent.objects.order_by("pk"):
            dunning.perform_event(event_id=event.pk)
        context = billing_banner(request)
    with translation.override("en"):
        html = render_to_string("billing/partials/banner.html", context)
    assert "Your account is suspended: 1 overdue invoice." in html
    assert 'href="/billing/invoices/?status=open"' in html or "?status=open" in html


def test_admin_keeps_a_step_already_taken(admin_client, overdue, run_on_commit):
    with at(overdue.due_date + timedelta(days=3)), run_on_commit(execute=True):
        tasks.run_dunning()
    policy = dunning.default_policy()
    steps = list(policy.steps.all())
    data = {"name": "Default", "retry_days": "[1, 3, 6]", "steps-TOTAL_FORMS": "4", "steps-INITIAL_FORMS": "4"}
    for i, step in enumerate(steps):
        data |= {
            f"steps-{i}-id": step.pk,
            f"steps-{i}-policy": policy.pk,
            f"steps-{i}-position": step.position,
            f"steps-{i}-offset_days": step.offset_days,
            f"steps-{i}-action": step.action,
        }
    data["steps-0-DELETE"] = "on"
    page = admin_client.post(reverse("admin:billing_dunningpolicy_change", args=[policy.pk]), data).content.decode()
    assert "D+3 Friendly reminder has been taken on invoices" in page
    assert policy.steps.count() == 4
