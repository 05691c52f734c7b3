"""Plan changes as Stripe makes them: a preview first, the unused time credited from what was
paid, the upgrade charged at once and started once paid, downgrades undoable, periods on their
anchor day, and a new subscription without a second trial."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from billing import payments, recurring, selectors, services
from billing.models import CreditNote, Invoice, Subscription
from billing.tests.factories import PlanFactory
from coupons.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db

GOOD = "4242424242424242"


@pytest.fixture
def plans():
    return {
        "pro": PlanFactory(code="pro", name="Pro", prices={"EUR": 1900, "XOF": 12000}),
        "business": PlanFactory(code="business", name="Business", tier="business", prices={"EUR": 4900, "XOF": 32000}),
        "pro_year": PlanFactory(code="pro-year", name="Pro", interval="year", prices={"EUR": 19000, "XOF": 120000}),
    }


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=UTC), tick=False)


def pay(invoice, reference="pay"):
    return services.mark_invoice_paid(invoice=invoice, amount=invoice.amount_due, reference=reference)


def test_preview_is_the_invoice_the_change_issues_and_credits_what_was_paid(organization, user, plans):
    with at(2026, 11, 1):
        CouponFactory(code="HALF", percent_off="50.00", duration="forever")
        sub = services.subscribe(organization=organization, plan=plans["pro"], user=user, coupon_code="HALF")
        pay(sub.invoices.get())
    with at(2026, 11, 16):  # half of the month left: half of the 9.50 € paid comes back, not of 19 €
        preview = services.preview_plan_change(subscription=sub, plan=plans["business"])
        assert preview.kind == "upgrade" and preview.credit == 475
        assert [(ln["unit_amount"], ln["discount_amount"]) for ln in preview.priced_lines] == [(-475, 0), (2450, 1225)]
        assert (preview.amounts["net_total"], preview.amounts["total"], preview.amount_due) == (750, 900, 900)
        assert not Invoice.objects.filter(subscription=sub).exclude(pk=sub.invoices.get().pk).exists()
        sub, upgrade = services.change_plan(subscription=sub, plan=plans["business"])
    assert [(ln.unit_amount, ln.discount_amount) for ln in upgrade.lines.all()] == [(-475, 0), (2450, 1225)]
    assert upgrade.total == preview.amounts["total"] and upgrade.coupon_code == "HALF"


def test_upgrade_is_charged_at_once_to_the_default_method_and_starts_when_paid(organization, user, plans, run_on_commit):
    with at(2026, 11, 1):
        sub = services.subscribe(organization=organization, plan=plans["pro"], user=user)
        pay(sub.invoices.get())
        payments.add_payment_method(organization=organization, provider="sandbox", details={"card_number": GOOD})
    with at(2026, 11, 16), run_on_commit(execute=True):
        sub, upgrade = recurring.change_plan(subscription=sub, plan=plans["business"], user=user)
    sub.refresh_from_db()
    upgrade.refresh_from_db()
    assert upgrade.status == Invoice.Status.PAID and upgrade.payments.get().status == "succeeded"
    assert (sub.plan, sub.pending_plan, sub.pending_invoice) == (plans["business"], None, None)


def test_unpaid_upgrade_keeps_the_old_plan_can_be_undone_and_lapses(organization, user, plans):
    with at(2026, 11, 1):
        sub = services.subscribe(organization=organization, plan=plans["pro"], user=user)
    with at(2026, 11, 16):
        sub, upgrade = recurring.change_plan(subscription=sub, plan=plans["business"], user=user)
        assert upgrade.status == Invoice.Status.OPEN and sub.plan == plans["pro"] and sub.pending_plan == plans["business"]
        assert selectors.plan_limits(organization=organization)["generation_credits"] == plans["pro"].generation_credits
        with pytest.raises(Exception) as refused:
            services.change_plan(subscription=sub, plan=plans["pro_year"])
        assert refused.value.code == "plan_change_pending"
        sub = services.undo_plan_change(subscription=sub, user=user)
    upgrade.refresh_from_db()
    assert upgrade.status == Invoice.Status.VOID and sub.pending_plan is None and sub.plan == plans["pro"]
    # An upgrade left unpaid when the period ends is voided by the renewal run.
    with at(2026, 11, 20):
        sub, upgrade = services.change_plan(subscription=sub, plan=plans["business"])
    with at(2026, 12, 1, 1):
        assert recurring.renew_due_subscriptions()["upgrades_lapsed"] == 1
    upgrade.refresh_from_db()
    sub.refresh_from_db()
    assert upgrade.status == Invoice.Status.VOID and sub.pending_plan is None and sub.plan == plans["pro"]
    assert sub.invoices.order_by("-id").first().net_total == 1900


def test_yearly_to_monthly_leaves_the_unused_time_on_the_balance(organization, user, plans):
    with at(2026, 1, 1):
        sub = services.subscribe(organization=organization, plan=plans["pro_year"], user=user)
        pay(sub.invoices.get())
    with at(2026, 4, 2):  # 274 of 365 days unused: 19000 × 274/365 = 14263 HT, 17116 TTC
        preview = services.preview_plan_change(subscription=sub, plan=plans["business"])
        assert preview.credit == 14263 and preview.credit_note_total == 17116
        assert (preview.amounts["total"], preview.from_balance, preview.amount_due) == (5880, 5880, 0)
        assert preview.balance_left == 17116 - 5880
        sub, invoice = services.change_plan(subscription=sub, plan=plans["business"], user=user)
    assert invoice.status == Invoice.Status.PAID and invoice.balance_applied == 5880
    note = CreditNote.objects.get()
    assert note.invoice == sub.invoices.order_by("id").first() and note.total == 17116
    assert selectors.balance_for(organization=organization, currency="EUR") == 17116 - 5880
    sub.refresh_from_db()
    assert sub.plan == plans["business"]
    assert (sub.current_period_start, sub.current_period_end) == (
        datetime(2026, 4, 2, tzinfo=UTC),
        datetime(2026, 5, 2, tzinfo=UTC),
    )
    # The balance pays the next renewal.
    with at(2026, 5, 2, 1):
        recurring.renew_due_subscriptions()
    renewal = sub.invoices.order_by("-id").first()
    assert renewal.status == Invoice.Status.PAID and renewal.balance_applied == 5880


def test_scheduled_downgrade_and_cancellation_can_be_undone(organization, user, plans):
    with at(2026, 11, 1):
        sub = services.subscribe(organization=organization, plan=plans["business"], user=user)
    with at(2026, 11, 10):
        preview = services.preview_plan_change(subscription=sub, plan=plans["pro"])
        assert preview.kind == "downgrade" and preview.effective_at == datetime(2026, 12, 1, tzinfo=UTC) and not preview.lines
        sub, invoice = services.change_plan(subscription=sub, plan=plans["pro"])
        assert invoice is None and sub.scheduled_plan == plans["pro"]
        sub = services.undo_plan_change(subscription=sub)
        assert sub.scheduled_plan is None
        with pytest.raises(Exception) as nothing:
            services.undo_plan_change(subscription=sub)
        assert nothing.value.code == "no_plan_change"
        sub = services.resume_subscription(subscription=services.cancel_subscription(subscription=sub))
    with at(2026, 12, 1, 1):
        recurring.renew_due_subscriptions()
    sub.refresh_from_db()
    assert sub.status == "active" and sub.plan == plans["business"]
    assert sub.invoices.order_by("-id").first().net_total == 4900


def test_renewals_keep_their_anchor_day(organization, plans):
    with at(2026, 1, 30, 10):
        sub = services.subscribe(organization=organization, plan=plans["pro"])
    ends = []
    for _ in range(3):
        with time_machine.travel(sub.current_period_end, tick=False):
            recurring.renew_due_subscriptions()
        sub.refresh_from_db()
        ends.append(sub.current_period_start.date().isoformat())
    assert ends == ["2026-02-28", "2026-03-30", "2026-04-30"]


def test_trial_end_is_the_anchor_of_the_paid_periods(organization, plans):
    with at(2026, 1, 17):
        sub = services.subscribe(organization=organization, plan=plans["pro"], trial=True)  # ends 31 Jan
        payments.add_payment_method(organization=organization, provider="sandbox", details={"card_number": GOOD})
    with at(2026, 1, 31, 1):
        recurring.process_trials()
    with at(2026, 2, 28, 1):
        recurring.renew_due_subscriptions()
    sub.refresh_from_db()
    assert sub.current_period_end == datetime(2026, 3, 31, tzinfo=UTC)


def test_bad_plan_changes_change_nothing(auth_api, organization, other_organization, plans):
    sub = services.subscribe(organization=organization, plan=plans["pro"])
    url = f"/api/v1/billing/subscriptions/{sub.pk}/change-plan/"
    response = auth_api.post(url, {"plan": "pro"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "same_plan"
    response = auth_api.get(url + "preview/?plan=pro")
    assert response.status_code == 400 and response.json()["error"]["code"] == "same_plan"
    response = auth_api.get(url + "preview/?plan=nope")
    assert response.status_code == 400 and "plan" in response.json()["error"]["fields"]
    theirs = services.subscribe(organization=other_organization, plan=plans["pro"])
    assert auth_api.get(f"/api/v1/billing/subscriptions/{theirs.pk}/change-plan/preview/?plan=business").status_code == 404
    assert auth_api.post(f"/api/v1/billing/subscriptions/{theirs.pk}/undo-plan-change/").status_code == 404
    response = auth_api.post(f"/api/v1/billing/subscriptions/{sub.pk}/undo-plan-change/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "no_plan_change"
    assert Invoice.objects.filter(organization=organization).count() == 1
    assert Subscription.objects.get(pk=sub.pk).plan == plans["pro"]


def test_api_preview_then_change(api_client, user, organization, plans):
    api_client.force_authenticate(user)  # a JWT would not be valid yet at the travelled time
    auth_api = api_client
    with at(2026, 11, 1):
        sub = services.subscribe(organization=organization, plan=plans["pro"])
        pay(sub.invoices.get())
    with at(2026, 11, 16):
        preview = auth_api.get(f"/api/v1/billing/subscriptions/{sub.pk}/change-plan/preview/?plan=business").json()
        assert preview["kind"] == "upgrade" and preview["currency"] == "EUR"
        assert [line["unit_amount"] for line in preview["lines"]] == [-950, 2450]
        assert (preview["total"], preview["amount_due"]) == (1800, 1800)
        body = auth_api.post(f"/api/v1/billing/subscriptions/{sub.pk}/change-plan/", {"plan": "business"}).json()
    assert body["plan"]["code"] == "pro" and body["pending_plan"] == "business"
    assert Invoice.objects.get(pk=body["pending_invoice"]).total == preview["total"]


def test_preview_page_then_confirm_then_pay_page(client_user, organization, plans):
    with at(2026, 11, 1):
        sub = services.subscribe(organization=organization, plan=plans["pro"])
        pay(sub.invoices.get())
    with at(2026, 11, 16):
        page = client_user.get(reverse("billing:change_plan_preview"), {"plan": "business"})
        assert page.status_code == 200
        assert "Remaining time on Business" in page.content.decode()
        response = client_user.post(reverse("billing:change_plan"), {"plan": "business"})
    upgrade = Subscription.objects.get().pending_invoice
    assert response.status_code == 302 and response.url == selectors.pay_url(upgrade)
    page = client_user.get(reverse("billing:subscription")).content.decode()
    assert f"invoice {upgrade.number} is paid" in page
    client_user.post(reverse("billing:undo_plan_change"))
    upgrade.refresh_from_db()
    assert upgrade.status == Invoice.Status.VOID


def test_an_organization_whose_trial_is_used_subscribes_without_one(client_user, organization, plans):
    sub = services.subscribe(organization=organization, plan=plans["pro"], trial=True)
    services.cancel_subscription(subscription=sub, at_period_end=False)
    page = client_user.get(reverse("billing:pricing")).content.decode()
    assert "-day free trial" not in page and "already had its free trial" in page
    assert "Subscribe to Business" in page
    client_user.post(reverse("billing:subscribe"), {"plan": "business"})
    sub = Subscription.objects.get(status="active")
    assert sub.plan == plans["business"] and sub.invoices.get().net_total == 4900
