"""The functions other apps call (docs/architecture.md, billing)."""

import pytest

from billing import handlers as registry
from billing import selectors, services
from billing.models import Invoice
from billing.tests.factories import PlanFactory, invoice, line
from core.errors import InvalidTransition, NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def handlers():
    calls = {"paid": [], "voided": []}
    paid = services.register_invoice_paid_handler("order", lambda inv: calls["paid"].append(inv.pk))
    voided = services.register_invoice_voided_handler("order", lambda inv: calls["voided"].append(inv.pk))
    yield calls
    registry._paid_handlers["order"].remove(paid)
    registry._voided_handlers["order"].remove(voided)


def test_create_invoice_numbers_and_totals(organization):
    inv = invoice(
        organization,
        [line(quantity=3, unit_amount=999), line(unit_amount=500, french_rate="5.50")],
        source_type="order",
        source_id=42,
    )
    assert inv.status == "open"
    assert inv.number.startswith("INV-") and inv.number.endswith("-000001")
    assert (inv.net_total, inv.vat_total, inv.total) == (3497, 599 + 28, 3497 + 627)
    assert inv.due_date == inv.issue_date + __import__("datetime").timedelta(days=14)
    assert list(selectors.invoices_for_source(source_type="order", source_id=42)) == [inv]


def test_draft_has_no_number(organization):
    inv = invoice(organization, finalize=False)
    assert inv.status == "draft" and inv.number is None


def test_paid_handler_runs_once_even_when_marked_paid_twice(organization, handlers):
    inv = invoice(organization, source_type="order", source_id=7)
    services.mark_invoice_paid(invoice=inv, amount=inv.total, reference="pay_1")
    again = services.mark_invoice_paid(invoice=inv, amount=inv.total, reference="pay_1")
    assert again.status == "paid" and again.amount_paid == inv.total
    assert handlers["paid"] == [inv.pk]
    with pytest.raises(InvalidTransition):
        services.mark_invoice_paid(invoice=inv, amount=inv.total, reference="pay_2")
    assert handlers["paid"] == [inv.pk]


def test_wrong_amount_changes_nothing(organization, handlers):
    inv = invoice(organization, source_type="order")
    with pytest.raises(ValidationFailed):
        services.mark_invoice_paid(invoice=inv, amount=inv.total - 1, reference="pay_1")
    inv.refresh_from_db()
    assert (inv.status, inv.amount_paid, handlers["paid"]) == ("open", 0, [])


def test_voided_handler_and_credit_note(organization, handlers):
    inv = invoice(organization, source_type="order", source_id=9)
    services.void_invoice(invoice=inv, reason="Order canceled")
    inv.refresh_from_db()
    assert inv.status == "void" and handlers["voided"] == [inv.pk]
    note = inv.credit_notes.get()
    assert note.total == inv.total and note.number.startswith("AV-")


def test_zero_total_invoice_is_paid_at_once(organization, handlers):
    inv = invoice(organization, [line(unit_amount=1000, discount_amount=1000)], source_type="order")
    assert inv.status == "paid" and handlers["paid"] == [inv.pk]


def test_invoice_for_another_organization_is_not_found(organization, other_organization):
    inv = invoice(organization)
    assert selectors.invoice_for(organization=organization, pk=inv.pk) == inv
    with pytest.raises(NotFound):
        selectors.invoice_for(organization=other_organization, pk=inv.pk)


def test_plan_limits_from_live_plan_or_free(organization):
    free = PlanFactory(code="free", tier="free", prices={"EUR": 0, "XOF": 0}, generation_credits=50, memory_mb=512)
    pro = PlanFactory(code="pro", generation_credits=1000, memory_mb=2048, concurrent_jobs=3, traffic_bytes=None)
    assert selectors.current_plan(organization=organization) is None
    assert selectors.plan_limits(organization=organization)["generation_credits"] == free.generation_credits
    services.subscribe(organization=organization, plan=pro)
    limits = selectors.plan_limits(organization=organization)
    assert selectors.current_plan(organization=organization) == pro
    assert limits == {
        "traffic_bytes": None,
        "storage_bytes": pro.storage_bytes,
        "generation_credits": 1000,
        "concurrent_jobs": 3,
        "memory_mb": 2048,
        "support_priority": "low",
    }


def test_plan_limits_many_answers_as_plan_limits_does_in_two_queries(
    organization, other_organization, django_assert_num_queries
):
    PlanFactory(code="free", tier="free", prices={"EUR": 0, "XOF": 0}, generation_credits=50)
    pro = PlanFactory(code="pro", generation_credits=1000, traffic_bytes=None)
    services.subscribe(organization=organization, plan=pro)
    expected = {org.pk: selectors.plan_limits(organization=org) for org in (organization, other_organization)}
    with django_assert_num_queries(2):  # live subscriptions, their plans (the Free plan is cached)
        assert selectors.plan_limits_many(organization_ids=list(expected)) == expected
    assert expected[organization.pk]["generation_credits"] == 1000
    assert expected[other_organization.pk]["generation_credits"] == 50


def test_lowest_plan_limits_is_the_lowest_positive_limit_of_any_plan():
    PlanFactory(code="free", tier="free", traffic_bytes=2 * 1024**3, generation_credits=0, storage_bytes=None)
    PlanFactory(code="pro", traffic_bytes=None, generation_credits=1000, storage_bytes=10 * 1024**3)
    lowest = selectors.lowest_plan_limits()
    assert (lowest["traffic_bytes"], lowest["generation_credits"], lowest["storage_bytes"]) == (2 * 1024**3, 1000, 10 * 1024**3)


def test_suspended_subscription_blocks_entitlement(organization):
    from accounts.entitlements import require_entitled
    from core.errors import AccountSuspended

    subscription = services.subscribe(organization=organization, plan=PlanFactory(code="pro"))
    require_entitled(organization)
    services.suspend_subscription(subscription=subscription)
    with pytest.raises(AccountSuspended):
        require_entitled(organization)


def test_pay_url_points_to_the_invoice_page(organization):
    inv = invoice(organization)
    assert str(inv.pk) in selectors.pay_url(inv)
    assert Invoice.objects.count() == 1
