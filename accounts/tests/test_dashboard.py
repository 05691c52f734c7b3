"""The dashboard answers "where do I stand"; staff land on their own work (issue 18)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from billing import services as billing_services
from billing.tests.factories import PlanFactory, invoice
from generation import services as generation_services
from generation.tests.factories import GenerationJobFactory
from support.tests.factories import open_ticket
from usage.tests.factories import ActiveAddonFactory, UsageRecordFactory

pytestmark = pytest.mark.django_db


def test_the_dashboard_shows_plan_credits_usage_invoices_jobs_and_tickets(client_user, organization, user):
    with time_machine.travel(timezone.now() - timedelta(days=60)):  # first: invoice numbers follow their dates
        late = invoice(organization)
    pro = PlanFactory(code="pro", name="Pro", prices={"EUR": 1900}, generation_credits=1000)
    subscription = billing_services.subscribe(organization=organization, plan=pro)
    generation_services.grant_credits(organization=organization, amount=250, reason="grant")
    unpaid = client_user.get(reverse("accounts:dashboard")).content.decode()
    assert "No plan credits this period" in unpaid and "data-credits-available>250<" in unpaid
    first = subscription.invoices.get()
    billing_services.mark_invoice_paid(invoice=first, amount=first.amount_due, reference="transfer-1")
    open_ticket(organization=organization, requester=user, subject="The export does not start")
    body = client_user.get(reverse("accounts:dashboard")).content.decode()
    assert "Pro (monthly)" in body and "Renews on" in body
    assert re.search(r"0 of the 1,000 credits included in your plan used, until [^<]+</p>", body)  # its own sentence
    assert "250 purchased credits left" in body and "data-credits-available>1,250<" in body
    assert 'data-metric="storage_bytes"' in body and 'data-metric="generation_credits"' in body
    assert late.number in body and "Overdue since" in body and reverse("billing:invoice_pay", args=[late.pk]) in body
    assert "The export does not start" in body


def _busy(organization, user, rows, label):
    """`rows` more of everything the dashboard lists: jobs, tickets, invoices to pay, add-ons."""
    for n in range(rows):
        GenerationJobFactory(organization=organization, user=user, prompt=f"{label} job {n}")
        open_ticket(organization=organization, requester=user, subject=f"{label} ticket {n}")
        invoice(organization)
        ActiveAddonFactory(organization=organization)


def test_the_dashboard_stays_within_eight_queries_whatever_it_lists(
    client_user, organization, user, django_assert_max_num_queries
):
    pro = PlanFactory(code="pro", name="Pro", prices={"EUR": 1900}, generation_credits=1000)
    subscription = billing_services.subscribe(organization=organization, plan=pro)
    first = subscription.invoices.get()
    billing_services.mark_invoice_paid(invoice=first, amount=first.amount_due, reference="transfer-1")
    generation_services.grant_credits(organization=organization, amount=250, reason="grant")
    UsageRecordFactory(organization=organization, metric="storage_bytes", month="2026-01-01", value=1234)
    _busy(organization, user, 2, "First")
    client_user.get(reverse("accounts:dashboard"))  # the credit balance and summary are cached from here
    # user, memberships, live subscription, invoices to pay, add-ons, usage records, jobs, tickets
    with django_assert_max_num_queries(8):
        body = client_user.get(reverse("accounts:dashboard")).content.decode()
    assert "data-credits-available>1,250<" in body and "First ticket 1" in body and "First job 1" in body
    _busy(organization, user, 5, "Second")
    with django_assert_max_num_queries(8):
        assert "Second ticket 4" in client_user.get(reverse("accounts:dashboard")).content.decode()


def test_the_dashboard_in_french(client_user, user):
    user.locale = "fr"
    user.save()
    body = client_user.get(reverse("accounts:dashboard")).content.decode()
    assert "Consommation du mois" in body and "Tâches récentes" in body and "Factures à payer" not in body
    assert "Usage this month" not in body and "Recent jobs" not in body


@pytest.mark.parametrize(
    ("groups", "superuser", "landing"),
    [
        ((), True, "/admin/"),
        (("Finance",), False, "/backoffice/"),
        (("Support agents",), False, "/support/agent/"),
    ],
)
def test_staff_without_an_organization_land_on_their_work(client, groups, superuser, landing):
    staff = UserFactory(email="staff-landing@example.test", is_staff=True, is_superuser=superuser)
    for name in groups:
        staff.groups.add(Group.objects.get(name=name))
    client.force_login(staff)
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(landing)


def test_a_customer_without_an_organization_is_told_so(client):
    client.force_login(UserFactory(email="lonely@example.test"))
    response = client.get(reverse("accounts:dashboard"), follow=True)
    assert "You do not belong to any organization yet." in response.content.decode()


def test_staff_outside_any_organization_see_no_workspace_links(client):
    staff = UserFactory(email="staff-nav@example.test", is_staff=True, is_superuser=True)
    client.force_login(staff)
    body = client.get(reverse("billing:pricing")).content.decode()
    assert reverse("generation:studio") not in body and reverse("catalog:cart") not in body
    assert 'href="/admin/"' in body


def test_visitors_see_the_cart_and_its_count_in_the_header(client):
    from catalog.tests.factories import ProductFactory

    product = ProductFactory(slug="pack-test")
    client.post(reverse("catalog:cart_add"), {"product": product.slug, "quantity": 2})
    body = client.get(reverse("billing:pricing")).content.decode()
    assert 'class="cart-link"' in body and "data-cart-count>2<" in body
