"""A trial suspended at its end (no payment method) has a way back: the customer starts the first
paid period, and paying its invoice reactivates the account for that period."""

from datetime import UTC, datetime

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.urls import reverse

from accounts.entitlements import require_entitled
from billing import payments, recurring, services, tasks
from billing.models import Invoice, Subscription
from billing.tests.factories import PlanFactory, invoice
from core.errors import AccountSuspended

pytestmark = pytest.mark.django_db

GOOD = "4242424242424242"
RESTART = datetime(2026, 3, 20, 9, tzinfo=UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


def suspended_trial(organization, plan):
    """A trial from 1 March that ended on 15 March without a payment method."""
    with at(datetime(2026, 3, 1, 10, tzinfo=UTC)):
        subscription = services.subscribe(organization=organization, plan=plan, trial=True)
    with at(datetime(2026, 3, 16, 3, tzinfo=UTC)):
        tasks.process_trials()
    subscription.refresh_from_db()
    assert subscription.suspended_at_trial_end
    return subscription


@pytest.fixture
def suspended(organization):
    return suspended_trial(organization, PlanFactory(code="pro-t", name="Pro", prices={"EUR": 3100}))


def pay(bill):
    services.mark_invoice_paid(invoice=bill, amount=bill.amount_due, reference=f"test-{bill.pk}")


def test_the_banner_and_the_subscription_page_lead_back(client_user, suspended):
    page = client_user.get(reverse("billing:overview")).content.decode()
    assert "Your trial has ended" in page and reverse("billing:subscription") in page
    page = client_user.get(reverse("billing:subscription")).content.decode()
    assert reverse("billing:restart") in page and "Start my subscription" in page
    with pytest.raises(AccountSuspended, match="trial has ended"):
        require_entitled(suspended.organization)


def test_starting_without_a_method_issues_one_invoice_and_payment_reactivates_for_its_period(
    client_user, suspended, run_on_commit
):
    with at(RESTART):
        response = client_user.post(reverse("billing:restart"))
        again = client_user.post(reverse("billing:restart"))
    bill = suspended.invoices.get()
    assert response.url == again.url == reverse("billing:invoice_pay", args=[bill.pk])
    assert (bill.status, bill.net_total, bill.period_start) == (Invoice.Status.OPEN, 3100, RESTART)
    suspended.refresh_from_db()
    assert suspended.status == Subscription.Status.SUSPENDED  # not before payment

    with at(RESTART.replace(hour=10)), run_on_commit(execute=True):
        pay(bill)
        tasks.renew_subscriptions()  # the new period is not due: nothing more is billed
    suspended.refresh_from_db()
    assert suspended.status == Subscription.Status.ACTIVE and suspended.suspended_at is None
    assert (suspended.current_period_start, suspended.current_period_end) == (RESTART, RESTART + relativedelta(months=1))
    assert suspended.invoices.count() == 1
    require_entitled(suspended.organization)
    assert suspended.organization.members.get().notifications.filter(kind="account_reactivated").exists()


def test_starting_with_a_default_method_charges_it_and_confirmation_reactivates(client_user, suspended, run_on_commit):
    payments.add_payment_method(organization=suspended.organization, provider="sandbox", details={"card_number": GOOD})
    with at(RESTART), run_on_commit(execute=True):
        response = client_user.post(reverse("billing:restart"), follow=True)
    assert "is being confirmed: your subscription starts as soon as it is" in response.content.decode()
    suspended.refresh_from_db()  # the sandbox confirmed it by webhook, as a bank would
    assert suspended.status == Subscription.Status.ACTIVE
    assert suspended.invoices.get().status == Invoice.Status.PAID


def test_paying_an_unrelated_invoice_does_not_restart_the_trial(suspended):
    other = invoice(suspended.organization)
    pay(other)
    suspended.refresh_from_db()
    assert suspended.status == Subscription.Status.SUSPENDED and suspended.suspended_at_trial_end


def test_the_api_restarts_and_refuses_what_is_not_a_suspended_trial(auth_api, suspended, other_organization):
    url = f"/api/v1/billing/subscriptions/{suspended.pk}/restart/"
    assert auth_api.get(f"/api/v1/billing/subscriptions/{suspended.pk}/").json()["suspended_at_trial_end"] is True
    response = auth_api.post(url)
    assert response.status_code == 200
    body = response.json()
    assert body["subscription"]["status"] == "suspended" and body["invoice"]["amount_due"] == 3720
    pay(Invoice.objects.get(pk=body["invoice"]["id"]))
    refused = auth_api.post(url)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_restartable"
    theirs = services.subscribe(organization=other_organization, plan=PlanFactory(code="other-t", prices={"XOF": 9000}))
    assert auth_api.post(f"/api/v1/billing/subscriptions/{theirs.pk}/restart/").status_code == 404
    assert Invoice.objects.filter(subscription=suspended).count() == 1


def test_trial_emails_are_in_french_for_a_french_organization(organization, mailoutbox, run_on_commit):
    from accounts.tests.factories import MembershipFactory

    organization.locale = "fr"
    organization.save()
    MembershipFactory(organization=organization, role="owner")
    plan = PlanFactory(code="pro-fr", name="Pro", prices={"EUR": 3100})
    with at(datetime(2026, 3, 1, 10, tzinfo=UTC)):
        services.subscribe(organization=organization, plan=plan, trial=True)
    for day in (13, 16):
        with at(datetime(2026, 3, day, 3, tzinfo=UTC)), run_on_commit(execute=True):
            tasks.process_trials()
    assert [m.subject for m in mailoutbox] == ["Votre essai Pro se termine le 15 mars 2026", "Votre essai Pro est terminé"]


def test_staff_reactivation_starts_the_first_period_now_and_bills_it_once(suspended):
    with at(RESTART):
        services.reactivate_subscription(subscription=suspended)
        tasks.renew_subscriptions()
    suspended.refresh_from_db()
    assert suspended.status == Subscription.Status.ACTIVE
    assert (suspended.current_period_start, suspended.current_period_end) == (RESTART, RESTART + relativedelta(months=1))
    (bill,) = suspended.invoices.all()
    assert (bill.period_start, bill.net_total) == (RESTART, 3100)


def test_staff_reactivation_after_the_customer_asked_keeps_that_invoice(suspended):
    with at(RESTART):
        _, asked = recurring.restart_after_trial(subscription=suspended)
    with at(RESTART.replace(day=22)):
        services.reactivate_subscription(subscription=suspended)
    suspended.refresh_from_db()
    assert list(suspended.invoices.all()) == [asked]
    assert suspended.current_period_start == RESTART and suspended.status == Subscription.Status.ACTIVE


def test_a_free_plan_trial_restarts_active_at_once_without_an_invoice(organization):
    subscription = suspended_trial(organization, PlanFactory(code="starter-t", name="Starter", prices={"EUR": 0}))
    with at(RESTART):
        subscription, bill = recurring.restart_after_trial(subscription=subscription)
    assert bill is None and subscription.status == Subscription.Status.ACTIVE
    assert subscription.current_period_start == RESTART and not subscription.invoices.exists()
