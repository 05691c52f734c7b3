"""The back office's figures follow billing and coupons through their handler registries: every
kind of write that moves a figure refreshes the cached dashboard and the MRR history, the writes
billing makes with a queryset update (a coupon's cycles counted down) as much as the saves."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from backoffice import reports
from backoffice.models import MrrSnapshot
from billing import services
from billing.models import PlanPrice
from billing.tests.factories import PlanFactory, invoice
from coupons import services as coupon_services
from coupons.tests.factories import CouponFactory

DASHBOARD = "/backoffice/"


def shown(admin_client):
    """The dashboard's figures, checked against the same figures computed afresh (no cache)."""
    response = admin_client.get(DASHBOARD)
    figures, params = response.context["figures"], (response.context["start"], response.context["end"], "")
    fresh = {**reports._subscription_figures(*params), **reports._cash_figures(*params)}
    assert figures == fresh
    return figures


@pytest.fixture
def plan(db):
    return PlanFactory(code="basic", prices={"EUR": 2000})


def test_a_coupon_running_out_at_renewal_moves_the_mrr_history(admin_client, organization, plan, run_on_commit):
    # Two monthly invoices at half price: billing counts the cycles down with a queryset update.
    with time_machine.travel(datetime(2026, 1, 10, 12, tzinfo=UTC), tick=False), run_on_commit(execute=True):
        CouponFactory(code="HALF2", percent_off=Decimal("50.00"), duration="repeating", duration_months=2)
        subscription = services.subscribe(organization=organization, plan=plan, coupon_code="HALF2")
        assert shown(admin_client)["mrr"] == {"EUR": 1000}
    with time_machine.travel(datetime(2026, 2, 10, 13, tzinfo=UTC), tick=False), run_on_commit(execute=True):
        services.renew_subscription(subscription=subscription)  # the second and last discounted invoice
        assert shown(admin_client)["mrr"] == {"EUR": 2000}
    history = dict(MrrSnapshot.objects.filter(organization=organization).values_list("month", "mrr"))
    assert history == {date(2026, 1, 1): 1000, date(2026, 2, 1): 2000}


def test_a_subscription_past_due_is_counted_at_once(admin_client, organization, plan, run_on_commit):
    with run_on_commit(execute=True):
        subscription = services.subscribe(organization=organization, plan=plan)
    assert shown(admin_client)["statuses"]["active"] == 1
    with run_on_commit(execute=True):
        services.mark_past_due(subscription=subscription)
    assert shown(admin_client)["statuses"] == {"trialing": 0, "active": 0, "past_due": 1, "suspended": 0}


def test_a_coupon_changed_by_staff_moves_the_mrr(admin_client, organization, plan, run_on_commit):
    coupon = CouponFactory(code="LOYAL", percent_off=Decimal("20.00"), duration="forever")
    with run_on_commit(execute=True):
        services.subscribe(organization=organization, plan=plan, coupon_code="LOYAL")
    assert shown(admin_client)["mrr"] == {"EUR": 1600}
    with run_on_commit(execute=True):
        coupon_services.update_coupon(coupon=coupon, percent_off=Decimal("50.00"))
    assert shown(admin_client)["mrr"] == {"EUR": 1000}


def test_a_plan_price_changed_in_the_admin_moves_the_mrr(admin_client, organization, plan, run_on_commit):
    with run_on_commit(execute=True):
        services.subscribe(organization=organization, plan=plan)
    assert shown(admin_client)["mrr"] == {"EUR": 2000}
    change = reverse("admin:billing_plan_change", args=[plan.pk])
    page = admin_client.get(change)
    form, prices = page.context["adminform"].form, page.context["inline_admin_formsets"][0].formset
    data = {name: form[name].value() for name in form.fields}
    data = {name: "on" if value is True else value for name, value in data.items() if value is not None and value is not False}
    management = prices.management_form
    data.update({management.add_prefix(name): value for name, value in management.initial.items()})
    for row in prices.forms:
        data.update({row.add_prefix(name): row[name].value() for name in ("id", "plan", "currency", "amount")})
        if row.instance.currency == "EUR":
            data[row.add_prefix("amount")] = 2500
    with run_on_commit(execute=True):
        assert admin_client.post(change, data).status_code == 302
    assert PlanPrice.objects.get(plan=plan, currency="EUR").amount == 2500
    assert shown(admin_client)["mrr"] == {"EUR": 2500}


def test_a_credit_note_refreshes_the_receivables(admin_client, organization, run_on_commit):
    open_invoice = invoice(organization, [services.LineSpec("Pack", 1, 10000, 20)])
    assert shown(admin_client)["receivables"]["EUR"]["outstanding"] == 12000
    with run_on_commit(execute=True):
        services.issue_credit_note(invoice=open_invoice, reason="Goodwill")  # the whole invoice: void
    assert shown(admin_client)["receivables"] == {}
