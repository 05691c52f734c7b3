"""The customer balance: credit notes on money already paid credit it, the next invoices use it
(shown on them, their totals untouched), the customer sees it in pages and the API."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from billing import selectors, services
from billing.models import BalanceEntry, Invoice
from billing.tests.factories import PlanFactory, invoice, line
from core.errors import Conflict, InvalidTransition

pytestmark = pytest.mark.django_db


def paid_invoice(organization, **kwargs):
    inv = invoice(organization, **kwargs)
    return services.mark_invoice_paid(invoice=inv, amount=inv.amount_due, reference=f"bank:{inv.pk}")


def test_goodwill_credit_note_on_a_paid_invoice_credits_the_balance(organization):
    inv = paid_invoice(organization, lines=[line(unit_amount=5000)])  # 60.00 €
    note = services.issue_credit_note(invoice=inv, amount=2000, reason="Goodwill")
    inv.refresh_from_db()
    assert (inv.status, inv.amount_paid, inv.amount_credited) == ("paid", 4000, 2000)
    assert selectors.balance_for(organization=organization, currency="EUR") == 2000
    entry = BalanceEntry.objects.get()
    assert (entry.kind, entry.credit_note, entry.invoice) == ("credit_note", note, inv)


def test_credit_note_on_an_open_invoice_lowers_what_is_due_and_not_the_balance(organization):
    inv = invoice(organization)
    services.issue_credit_note(invoice=inv, amount=200, reason="Correction")
    inv.refresh_from_db()
    assert inv.amount_due == inv.total - 200
    assert not BalanceEntry.objects.exists()


def test_credit_note_on_a_paid_invoice_then_the_next_renewal_pays_less(organization):
    plan = PlanFactory(code="pro", prices={"EUR": 1900})
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        subscription = services.subscribe(organization=organization, plan=plan)
    first = subscription.invoices.get()
    services.mark_invoice_paid(invoice=first, amount=first.amount_due, reference="card:1")
    services.issue_credit_note(invoice=first, amount=1000, reason="Outage compensation")
    with time_machine.travel(subscription.current_period_end + timedelta(minutes=1), tick=False):
        services.renew_subscription(subscription=subscription)
    renewal = subscription.invoices.exclude(pk=first.pk).get()
    assert renewal.total == 2280  # the invoice itself is unchanged: 19.00 € + 20 % VAT
    assert (renewal.balance_applied, renewal.amount_due) == (1000, 1280)
    assert selectors.balance_for(organization=organization, currency="EUR") == 0
    assert BalanceEntry.objects.filter(kind="applied", invoice=renewal).get().amount == -1000


def test_a_balance_covering_the_whole_invoice_pays_it(organization):
    inv = paid_invoice(organization, lines=[line(unit_amount=5000)])
    services.issue_credit_note(invoice=inv, amount=6000, reason="Service not delivered")
    small = invoice(organization, source_id="2")  # 12.00 €
    assert small.status == "paid" and small.balance_applied == small.total
    assert selectors.balance_for(organization=organization, currency="EUR") == 4800


def test_apply_balance_on_request_and_refusals(organization, other_organization, auth_api):
    open_invoice = invoice(organization, source_id="open")
    inv = paid_invoice(organization, source_id="paid")
    services.issue_credit_note(invoice=inv, amount=500, reason="Goodwill")
    theirs = invoice(other_organization)
    response = auth_api.post(f"/api/v1/billing/invoices/{theirs.pk}/apply-balance/", {}, format="json")
    assert response.status_code == 404
    with pytest.raises(Exception) as stranger:
        services.apply_balance(organization=organization, invoice=theirs)
    assert stranger.value.code == "not_found"
    response = auth_api.post(f"/api/v1/billing/invoices/{open_invoice.pk}/apply-balance/", {"amount": 200}, format="json")
    assert response.status_code == 200 and response.json()["amount_due"] == open_invoice.total - 200
    response = auth_api.post(f"/api/v1/billing/invoices/{open_invoice.pk}/apply-balance/", {}, format="json")
    assert response.json()["amount_due"] == open_invoice.total - 500
    response = auth_api.post(f"/api/v1/billing/invoices/{open_invoice.pk}/apply-balance/", {}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "no_balance"
    with pytest.raises(InvalidTransition):
        services.apply_balance(organization=organization, invoice=inv)
    assert selectors.balance_for(organization=organization, currency="EUR") == 0


def test_balance_is_never_applied_while_a_payment_is_in_flight(organization):
    from billing import payments

    open_invoice = invoice(organization, source_id="open")
    inv = paid_invoice(organization, source_id="paid")
    services.issue_credit_note(invoice=inv, amount=500, reason="Goodwill")
    payments.pay_invoice(
        organization=organization, invoice=open_invoice, provider="sandbox", details={"card_number": "4000002760003184"}
    )
    with pytest.raises(Conflict):
        services.apply_balance(organization=organization, invoice=open_invoice)


def test_balance_api_and_page(organization, other_organization, auth_api, client_user):
    inv = paid_invoice(organization)
    services.issue_credit_note(invoice=inv, amount=300, reason="Goodwill")
    paid_invoice(other_organization)  # someone else's, never shown
    summary = auth_api.get("/api/v1/billing/balance/summary/").json()
    assert summary == [{"currency": "EUR", "amount": 300}]
    entries = auth_api.get("/api/v1/billing/balance/").json()
    assert entries["count"] == 1 and entries["results"][0]["kind"] == "credit_note" and entries["results"][0]["amount"] == 300
    page = client_user.get(reverse("billing:balance")).content.decode()
    assert "€3.00" in page and "Credit note on a paid invoice" in page
    overview = client_user.get(reverse("billing:overview")).content.decode()
    assert "Your balance" in overview and "€3.00" in overview


def test_invoice_page_shows_the_balance_line_and_offers_it(organization, client_user):
    inv = paid_invoice(organization, source_id="paid")
    services.issue_credit_note(invoice=inv, amount=500, reason="Goodwill")
    covered = invoice(organization, [line(unit_amount=200)])  # 2.40 €, paid from the balance at once
    page = client_user.get(reverse("billing:invoice_detail", args=[covered.pk])).content.decode()
    assert "Paid from your balance" in page
    open_invoice = invoice(organization, source_id="open")  # takes the 2.60 € left when it is issued
    services.issue_credit_note(invoice=inv, amount=500, reason="More goodwill")  # arrives after it
    page = client_user.get(reverse("billing:invoice_detail", args=[open_invoice.pk])).content.decode()
    assert "Use my balance (€5.00)" in page
    response = client_user.post(reverse("billing:invoice_apply_balance", args=[open_invoice.pk]), follow=True)
    assert "€5.00 of your balance paid invoice" in response.content.decode()
    assert Invoice.objects.get(pk=open_invoice.pk).balance_applied == 760
