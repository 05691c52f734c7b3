"""Billing pages in French and English, and the rough edges a first visit hit (issue 18)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from billing import payments, services
from billing.models import Subscription
from billing.tests.factories import PlanFactory, invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def pro(db):
    return PlanFactory(code="pro", name="Pro", prices={"EUR": 1900, "XOF": 12000})


def test_billing_overview_speaks_french_with_french_amounts_and_dates(client_user, user, organization, pro):
    user.locale = "fr"
    user.save()
    with time_machine.travel("2026-12-01 10:00Z"):
        services.subscribe(organization=organization, plan=pro)
    with time_machine.travel("2026-12-02 10:00Z"):
        body = client_user.get(reverse("billing:overview")).content.decode()
    assert "Facturation" in body and "Factures récentes" in body and "Gérer l'abonnement" in body
    assert "22,80\u00a0€" in body  # 19 € + 20 % VAT, written the French way
    assert "1 janv. 2027" in body  # the renewal date
    assert "Recent invoices" not in body and "Manage the subscription" not in body


def test_an_overdue_invoice_is_highlighted_on_the_billing_pages(client_user, organization):
    with time_machine.travel(timezone.now() - timedelta(days=60)):
        late = invoice(organization)
    overview = client_user.get(reverse("billing:overview")).content.decode()
    listing = client_user.get(reverse("billing:invoice_list")).content.decode()
    detail = client_user.get(reverse("billing:invoice_detail", args=[late.pk])).content.decode()
    assert "overdue since" in overview and 'class="status overdue"' in overview
    assert '<tr class="overdue">' in listing and 'class="status overdue"' in detail


def test_an_invoice_not_yet_due_is_not_overdue(client_user, organization):
    invoice(organization)
    assert "overdue" not in client_user.get(reverse("billing:invoice_list")).content.decode()


def test_cancelling_at_period_end_says_when_it_ends_and_not_that_it_is_canceled(client_user, organization, pro):
    sub = services.subscribe(organization=organization, plan=pro)
    response = client_user.post(reverse("billing:cancel"), {"when": "period_end"}, follow=True)
    body = response.content.decode()
    assert "Your subscription is canceled" not in body
    assert "Your subscription ends on" in body and "until then nothing changes" in body
    assert Subscription.objects.get(pk=sub.pk).status == "active"


def test_a_subscription_set_to_end_does_not_also_announce_a_plan_move(client_user, organization, pro):
    cheaper = PlanFactory(code="lite", name="Lite", prices={"EUR": 900})
    sub = services.subscribe(organization=organization, plan=pro)
    Subscription.objects.filter(pk=sub.pk).update(scheduled_plan=cheaper, cancel_at_period_end=True)
    body = client_user.get(reverse("billing:subscription")).content.decode()
    assert "Ends on" in body and "Moves to" not in body


def test_plan_cards_name_their_interval_and_free_plans_take_no_promo_code(client_user, organization, pro):
    PlanFactory(code="pro-year", name="Pro", interval="year", prices={"EUR": 19000})
    PlanFactory(code="free", name="Free", prices={"EUR": 0})
    body = client_user.get(reverse("billing:pricing")).content.decode()
    assert "<h3>Pro (monthly)</h3>" in body and "<h3>Pro (yearly)</h3>" in body
    assert 'id="promo-pro"' in body and 'id="promo-free"' not in body


def test_a_euro_invoice_asks_for_no_phone_or_operator(client_user, organization):
    page = client_user.get(reverse("billing:invoice_pay", args=[invoice(organization).pk])).content.decode()
    assert 'name="card_number"' in page and 'name="phone"' not in page and 'name="operator"' not in page


def test_a_franc_invoice_offers_mobile_money(client_user, organization):
    organization.currency = "XOF"
    organization.save()
    page = client_user.get(reverse("billing:invoice_pay", args=[invoice(organization).pk])).content.decode()
    assert 'name="phone"' in page and 'name="operator"' in page


def test_a_successful_payment_links_to_the_invoice_and_the_order(client_user, organization, run_on_commit):
    paid = invoice(organization, source_type="order", source_id="42")
    with run_on_commit(execute=True):
        payment, _ = payments.pay_invoice(
            organization=organization, invoice=paid, provider="sandbox", details={"card_number": "4242424242424242"}
        )
    body = client_user.get(reverse("billing:payment_detail", args=[payment.pk])).content.decode()
    assert "is paid" in body
    assert reverse("billing:invoice_detail", args=[paid.pk]) in body or reverse("billing:invoice_pdf", args=[paid.pk]) in body
    assert reverse("catalog:order_detail", args=[42]) in body and "See the order" in body
