"""Plan credits as credit grants: granted when a period is paid (or a trial starts), spent before
purchased credits, written off at the period's end; purchased credits never expire."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum

from billing import payments, tasks
from billing import services as billing_services
from billing.models import Invoice
from billing.tests.factories import PlanFactory
from conftest import requires_postgres
from core.errors import QuotaExceeded
from core.tests.concurrency import failures, run_together
from generation import selectors, services
from generation.models import CreditEntry, CreditGrant, CreditPrice
from generation.tests.factories import submit_offline_job

GOOD = "4242424242424242"


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=UTC), tick=False)


@pytest.fixture
def pro():
    return PlanFactory(code="pro-credits", name="Pro", generation_credits=100, prices={"EUR": 1900, "XOF": 12000})


@pytest.fixture
def ten_per_image(organization):
    CreditPrice.objects.filter(kind="image", provider="offline", model="offline-canvas").update(credits=10)


def spend(organization, user, credits):
    """Jobs reserving `credits` (ten per image, four images at most per job)."""
    while credits:
        count = min(credits // 10, 4)
        submit_offline_job(organization, user, params={"width": 128, "height": 128, "count": count})
        credits -= count * 10


def summary(organization):
    return selectors.credit_summary(organization=organization)


def grants_left(organization):
    """({"plan": included left, "purchased": purchased left}, the ledger's whole sum)."""
    current = summary(organization)
    ledger = CreditEntry.objects.filter(organization=organization).aggregate(total=Sum("amount"))["total"]
    return {"plan": current.included_left, "purchased": current.purchased_left}, ledger


def test_three_paid_periods_grant_and_expire_the_plan_credits_while_purchased_credits_survive(
    organization, user, pro, ten_per_image, no_dispatch, plan_limits, run_on_commit
):
    plan_limits["concurrent_jobs"] = None
    with at(2026, 3, 10, 12), run_on_commit(execute=True):
        subscription = billing_services.subscribe(organization=organization, plan=pro)
        first = subscription.invoices.get()
        # Not paid yet: the period's credits wait for the payment.
        assert selectors.credit_balance(organization=organization) == 0
        payments.add_payment_method(organization=organization, provider="sandbox", details={"card_number": GOOD})
        payments.charge_default_method(invoice=first)
    first.refresh_from_db()
    assert first.status == Invoice.Status.PAID
    with at(2026, 3, 11, 9):
        services.grant_credits(organization=organization, amount=30, reason="1 × Pack 30", order_ref="CMD-000001")
        assert grants_left(organization) == ({"plan": 100, "purchased": 30}, 130)
        spend(organization, user, 40)  # from the plan's credits first
        assert grants_left(organization) == ({"plan": 60, "purchased": 30}, 90)
        assert summary(organization).spent == 40
        plan_grant = CreditGrant.objects.get(kind=CreditGrant.Kind.PLAN)
        assert plan_grant.expires_at == datetime(2026, 4, 10, 12, tzinfo=UTC)

    # Period 2, renewed and charged by the billing run: the 60 left of period 1 expire, 100 arrive.
    with at(2026, 4, 10, 12, 5), run_on_commit(execute=True):
        call_command("run_billing_task", "renewals")
    with at(2026, 4, 10, 12, 6):
        assert grants_left(organization) == ({"plan": 100, "purchased": 30}, 130)
        assert summary(organization).spent == 0
        spend(organization, user, 120)  # 100 included, then 20 of the purchased
        assert grants_left(organization) == ({"plan": 0, "purchased": 10}, 10)
        with pytest.raises(QuotaExceeded):
            spend(organization, user, 20)
    expired = CreditEntry.objects.filter(reason=CreditEntry.Reason.EXPIRY).values_list("amount", flat=True)
    assert list(expired) == [-60]

    # Period 3: the purchased credits left (10) are still there, under a new allowance.
    with at(2026, 5, 10, 12, 5), run_on_commit(execute=True):
        tasks.renew_subscriptions()
    with at(2026, 5, 10, 12, 6):
        assert grants_left(organization) == ({"plan": 100, "purchased": 10}, 110)

    # Period 4 is not paid (the card is gone): period 3's credits end with it and none arrive.
    payments.remove_payment_method(method=organization.payment_methods.get())
    with at(2026, 6, 10, 12, 5), run_on_commit(execute=True):
        tasks.renew_subscriptions()
    with at(2026, 6, 10, 12, 6):
        assert grants_left(organization) == ({"plan": 0, "purchased": 10}, 10)
        unpaid = subscription.invoices.get(status=Invoice.Status.OPEN)
        billing_services.mark_invoice_paid(invoice=unpaid, amount=unpaid.amount_due, reference="transfer-june")
        assert grants_left(organization) == ({"plan": 100, "purchased": 10}, 110)
    plan_grants = CreditGrant.objects.filter(kind=CreditGrant.Kind.PLAN).order_by("id")
    assert [(g.amount, g.expires_at.month, g.expired_at is not None) for g in plan_grants] == [
        (100, 4, True),
        (100, 5, True),
        (100, 6, True),
        (100, 7, False),
    ]
    # Every plan grant ended at zero; the ledger's sum is the balance.
    assert [sum(e.amount for e in g.entries.all()) for g in plan_grants[:3]] == [0, 0, 0]


def test_a_trial_gets_its_allowance_until_it_ends_then_the_first_paid_period_its_own(
    organization, user, pro, ten_per_image, no_dispatch, run_on_commit
):
    with at(2026, 3, 1, 10):
        subscription = billing_services.subscribe(organization=organization, plan=pro, trial=True)
        assert grants_left(organization) == ({"plan": 100, "purchased": 0}, 100)
        billing_services.extend_trial(subscription=subscription, days=3)
        assert CreditGrant.objects.get().expires_at == datetime(2026, 3, 18, 10, tzinfo=UTC)
        spend(organization, user, 10)
        payments.add_payment_method(organization=organization, provider="sandbox", details={"card_number": GOOD})
    with at(2026, 3, 18, 10, 30), run_on_commit(execute=True):
        tasks.process_trials()
    with at(2026, 3, 18, 10, 31):
        assert grants_left(organization) == ({"plan": 100, "purchased": 0}, 100)
    trial, paid = CreditGrant.objects.order_by("id")
    assert (trial.expired_at is not None, paid.expires_at) == (True, datetime(2026, 4, 18, 10, tzinfo=UTC))
    assert CreditEntry.objects.get(reason=CreditEntry.Reason.EXPIRY).amount == -90


def test_an_upgrade_tops_the_period_up_and_a_free_plan_is_granted_without_an_invoice(organization, user, pro, run_on_commit):
    free = PlanFactory(code="free-credits", name="Free", tier="free", generation_credits=50, prices={"EUR": 0, "XOF": 0})
    business = PlanFactory(code="business-credits", name="Business", generation_credits=500, prices={"EUR": 4900})
    with at(2026, 3, 1, 10):
        subscription = billing_services.subscribe(organization=organization, plan=free)
        assert not subscription.invoices.exists()
        assert grants_left(organization) == ({"plan": 50, "purchased": 0}, 50)
    with at(2026, 3, 5, 10):
        billing_services.cancel_subscription(subscription=subscription, at_period_end=False)
        # Ended with its subscription; without one, the organization is on the Free plan's month.
        assert grants_left(organization) == ({"plan": 50, "purchased": 0}, 50)
        assert CreditGrant.objects.filter(expired_at=None).get().period_key == "free:2026-03"
        subscription = billing_services.subscribe(organization=organization, plan=pro)
        assert grants_left(organization) == ({"plan": 0, "purchased": 0}, 0)  # Pro's wait for its payment
        invoice = subscription.invoices.get()
        billing_services.mark_invoice_paid(invoice=invoice, amount=invoice.amount_due, reference="t-1")
        assert grants_left(organization) == ({"plan": 100, "purchased": 0}, 100)
    with at(2026, 3, 20, 10), run_on_commit(execute=True):
        _subscription, upgrade = billing_services.change_plan(subscription=subscription, plan=business)
        assert grants_left(organization)[0]["plan"] == 100  # not before it is paid
        billing_services.mark_invoice_paid(invoice=upgrade, amount=upgrade.amount_due, reference="t-2")
        assert grants_left(organization) == ({"plan": 500, "purchased": 0}, 500)
        assert summary(organization).included == 500
    assert list(CreditGrant.objects.filter(expired_at=None).values_list("amount", flat=True).order_by("id")) == [100, 400]


def test_the_sweeper_writes_off_expired_grants_and_a_refund_into_an_expired_grant_expires(
    organization, user, pro, ten_per_image, no_dispatch, run_on_commit
):
    with at(2026, 3, 1, 10):
        billing_services.subscribe(organization=organization, plan=pro, trial=True)
        job = submit_offline_job(organization, user, params={"width": 128, "height": 128, "count": 2})
    with at(2026, 3, 15, 11):
        # Past its end, the trial's credits count no more, even before anything wrote them off.
        assert selectors.credit_balance(organization=organization) == 0
        assert services.expire_credit_grants() == {"grants_expired": 1, "credits_expired": 80, "free_credits_granted": 0}
        assert services.expire_credit_grants() == {"grants_expired": 0, "credits_expired": 0, "free_credits_granted": 0}
        services.cancel_job(organization=organization, pk=job.pk)  # its 20 credits come back, and expire
    grant = CreditGrant.objects.get()
    assert sum(e.amount for e in grant.entries.all()) == 0
    assert selectors.ledger_sum(organization=organization) == 0


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_plan_grant_and_spends_racing_never_overspend_or_grant_twice(organization, user, pro, no_dispatch, plan_limits):
    """Real connections: the period's payment (which grants 100), a second sync of the same period
    and twelve one-credit jobs, all at once, against 5 purchased credits."""
    plan_limits["concurrent_jobs"] = None
    services.grant_credits(organization=organization, amount=5, reason="pack", order_ref="CMD-RACE")
    subscription = billing_services.subscribe(organization=organization, plan=pro)
    invoice = subscription.invoices.get()
    calls = [
        lambda: billing_services.mark_invoice_paid(invoice=invoice, amount=invoice.amount_due, reference="race"),
        lambda: services.sync_plan_credits(organization),
        *[lambda i=i: submit_offline_job(organization, user, prompt=f"Fox {i}") for i in range(12)],
    ]
    outcomes = run_together(calls)
    assert all(isinstance(failure, QuotaExceeded) for failure in failures(outcomes))
    accepted = sum(1 for outcome in outcomes[2:] if not isinstance(outcome, Exception))
    assert accepted >= 5
    assert CreditGrant.objects.filter(kind=CreditGrant.Kind.PLAN).get().amount == 100
    for grant in CreditGrant.objects.all():
        assert sum(e.amount for e in grant.entries.all()) >= 0
    assert selectors.ledger_sum(organization=organization) == 105 - accepted
    reserved = CreditEntry.objects.filter(reason=CreditEntry.Reason.RESERVATION).aggregate(total=Sum("amount"))["total"]
    assert reserved == -accepted


def test_the_usage_page_the_api_and_the_ledger_tell_the_same_story(
    client_user, auth_api, organization, user, ten_per_image, no_dispatch, plan_limits
):
    """Once: "Generation credits 77 of 50 · 154 % … Refused past the limit" while the next job was accepted."""
    from django.urls import reverse

    plan_limits["concurrent_jobs"] = None
    free = PlanFactory(code="free-story", name="Free", tier="free", generation_credits=50, prices={"EUR": 0, "XOF": 0})
    billing_services.subscribe(organization=organization, plan=free)
    services.grant_credits(organization=organization, amount=500, reason="1 × Pack 500", order_ref="CMD-STORY")
    spend(organization, user, 80)  # the 50 included, then 30 purchased

    page = client_user.get(reverse("usage:dashboard")).content.decode()
    card = page[page.index('data-metric="generation_credits"') :]
    card = card[: card.index("</section>")]
    assert "<strong>470</strong> credits left" in card
    assert "50 of the 50 credits included in your plan used, until" in card and "100%" in card
    assert "470 purchased credits left" in card and "80 credits spent this period." in card
    assert "At zero credits, new jobs are refused until you buy a credit pack or your plan&#x27;s next credits arrive" in card
    assert "154" not in card and "Refused past the limit" not in card

    row = next(m for m in auth_api.get("/api/v1/usage/").json()["metrics"] if m["metric"] == "generation_credits")
    assert (row["used"], row["limit"], row["percent"], row["hard"]) == (50, 50, 100, True)
    credits = auth_api.get("/api/v1/generation/credits/").json()
    assert {
        key: credits[key] for key in ("balance", "included", "included_used", "included_left", "purchased_left", "spent")
    } == {
        "balance": 470,
        "included": 50,
        "included_used": 50,
        "included_left": 0,
        "purchased_left": 470,
        "spent": 80,
    }
    assert credits["at_zero"] == "refused" and credits["included_expires_at"]

    spend(organization, user, 470)  # accepted, as the ledger says, down to zero
    with pytest.raises(QuotaExceeded):
        spend(organization, user, 10)
    page = client_user.get(reverse("usage:metrics")).content.decode()
    card = page[page.index('data-metric="generation_credits"') :]
    assert "<strong>0</strong> credits left" in card and 'class="progress danger"' in card
    assert auth_api.get("/api/v1/generation/credits/").json()["balance"] == 0


def test_an_organization_without_a_subscription_has_the_free_plans_credits_each_month(
    organization, user, ten_per_image, no_dispatch, plan_limits, client_user
):
    """The pricing page promises the Free plan's 50 credits a period, and an organization without a
    subscription is on the Free plan (its limits are): 50 credits when it is created, the rest
    written off at the end of the platform's month and 50 again for the next, by the sweeper; an
    organization that missed the sweeper gets them when a job needs them."""
    from django.urls import reverse

    from accounts.services import create_organization

    plan_limits["concurrent_jobs"] = None
    PlanFactory(code="free-month", name="Free", tier="free", generation_credits=50, prices={"EUR": 0, "XOF": 0})
    with at(2026, 3, 10, 9):
        created = create_organization(owner=user, name="Second studio")
        assert (summary(created).included, summary(created).left) == (50, 50)
        spend(created, user, 20)
        march = CreditGrant.objects.get(organization=created)
        assert (march.period_key, march.expires_at) == ("free:2026-03", datetime(2026, 3, 31, 22, tzinfo=UTC))
        # The shared organization was made before anything granted it: its first job finds them.
        submit_offline_job(organization, user)
        assert grants_left(organization) == ({"plan": 40, "purchased": 0}, 40)
        page = client_user.get(reverse("usage:dashboard")).content.decode()
    assert "10 of the 50 credits included in your plan used" in page
    assert "the Free plan&#x27;s next credits arrive" in page
    with at(2026, 3, 31, 22, 5):  # April, on the platform's clock
        assert services.expire_credit_grants() == {"grants_expired": 2, "credits_expired": 70, "free_credits_granted": 2}
        assert (summary(created).included, summary(created).left, summary(created).spent) == (50, 50, 0)
        assert grants_left(organization) == ({"plan": 50, "purchased": 0}, 50)
        assert services.expire_credit_grants()["free_credits_granted"] == 0  # once a month


def test_an_unlimited_plan_takes_no_credits_and_says_so(
    organization, user, ten_per_image, no_dispatch, plan_limits, auth_api, client_user
):
    """A plan whose credits are unlimited (empty, as the admin says): its jobs are accepted
    without a balance and take nothing, purchased credits included; the page and the API say so."""
    from django.urls import reverse

    plan_limits["concurrent_jobs"] = None
    unlimited = PlanFactory(code="unlimited", name="Studio", generation_credits=None, prices={"EUR": 0, "XOF": 0})
    billing_services.subscribe(organization=organization, plan=unlimited)
    assert not CreditGrant.objects.filter(kind=CreditGrant.Kind.PLAN).exists()
    services.grant_credits(organization=organization, amount=30, reason="1 × Pack 30", order_ref="CMD-UNLIMITED")
    job = submit_offline_job(organization, user, params={"width": 128, "height": 128, "count": 4})
    assert (job.credits_per_unit, job.credits_reserved) == (10, 0)
    assert grants_left(organization) == ({"plan": 0, "purchased": 30}, 30)
    credits = auth_api.get("/api/v1/generation/credits/").json()
    assert (credits["unlimited"], credits["at_zero"], credits["balance"]) == (True, "unlimited", 30)
    assert "no job is refused for credits" in credits["when_empty"]
    page = client_user.get(reverse("usage:dashboard")).content.decode()
    card = page[page.index('data-metric="generation_credits"') :]
    card = card[: card.index("</section>")]
    assert "Your plan includes unlimited credits: jobs take none from your balance." in card, card
    assert "no job is refused for credits" in card
