"""Add-ons: buying issues an invoice, payment activates, expiry and cancel, bad input changes nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from billing import services as billing
from billing.models import Invoice
from core.errors import AccountSuspended, Conflict, Forbidden, NotFound, ValidationFailed
from usage import selectors, services
from usage.models import AddonPurchase, Metric
from usage.tests.conftest import GB
from usage.tests.factories import AddonPurchaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pro(organization, plans):
    plans.set(organization, "pro")
    return organization


def pay(invoice):
    return billing.mark_invoice_paid(invoice=invoice, amount=invoice.amount_due, reference=f"test-{invoice.pk}")


def storage_limit(org):
    return selectors.limit_for(organization=org, metric=Metric.STORAGE_BYTES)


def test_buying_storage_on_pro_invoices_it_and_payment_raises_the_limit(pro, user):
    purchase, invoice = services.purchase_addon(organization=pro, code="storage", quantity=2, user=user)
    assert purchase.status == AddonPurchase.Status.PENDING
    assert (invoice.status, invoice.net_total, invoice.vat_total, invoice.total) == ("open", 200, 40, 240)
    assert invoice.source_type == "addon" and invoice.source_id == str(purchase.pk)
    assert storage_limit(pro) == 10 * GB  # nothing until paid

    pay(invoice)

    purchase.refresh_from_db()
    assert purchase.status == AddonPurchase.Status.ACTIVE
    assert purchase.expires_at - purchase.period_start == timedelta(days=30)
    assert storage_limit(pro) == 30 * GB


@pytest.mark.parametrize(
    "locale, first, renewal",
    [
        ("en", "Storage +10 GB, 30 days from payment", "Storage +10 GB, 1 Jun 2026 – 1 Jul 2026"),
        ("fr", "Stockage +10 Go, 30 jours à compter du paiement", "Stockage +10 Go, 1 juin 2026 – 1 juil. 2026"),
    ],
)
def test_addon_lines_show_their_service_period_in_the_invoice_language(pro, locale, first, renewal):
    pro.locale = locale
    pro.save()
    with time_machine.travel("2026-05-02 10:00Z"):
        purchase, invoice = services.purchase_addon(organization=pro, code="storage", quantity=1)
        pay(invoice)
    # The period starts at the payment: the first invoice says how long, the renewal its dates.
    assert invoice.lines.get().description == first
    AddonPurchase.objects.filter(pk=purchase.pk).update(expires_at="2026-06-01T08:00Z")
    with time_machine.travel("2026-06-01 09:00Z"):
        assert services.end_addon_periods() == {"renewed": 1, "expired": 0}
    assert Invoice.objects.exclude(pk=invoice.pk).get().lines.get().description == renewal


def test_xof_organization_pays_in_xof(other_organization, plans):
    plans.set(other_organization, "pro")
    _, invoice = services.purchase_addon(organization=other_organization, code="cpu", quantity=1)
    assert (invoice.currency, invoice.net_total) == ("XOF", 1312)


def test_free_plan_is_refused_and_nothing_is_created(organization):
    with pytest.raises(Forbidden) as refused:
        services.purchase_addon(organization=organization, code="storage", quantity=1)
    assert refused.value.code == "addon_not_allowed"
    assert not AddonPurchase.objects.exists() and not Invoice.objects.exists()


@pytest.mark.parametrize("quantity", [0, -1, 101, "2", 1.5, True, None])
def test_bad_quantity_is_refused_and_nothing_is_created(pro, quantity):
    with pytest.raises(ValidationFailed) as refused:
        services.purchase_addon(organization=pro, code="storage", quantity=quantity)
    assert refused.value.code == "invalid_quantity"
    assert not AddonPurchase.objects.exists() and not Invoice.objects.exists()


def test_unknown_addon_is_refused(pro):
    with pytest.raises(ValidationFailed):
        services.purchase_addon(organization=pro, code="gpu", quantity=1)


def test_purchase_while_suspended_is_refused(pro):
    pro.is_active = False
    pro.save()
    with pytest.raises(AccountSuspended):
        services.purchase_addon(organization=pro, code="storage", quantity=1)
    assert not AddonPurchase.objects.exists()


def test_expiry_lowers_the_limit_again(pro):
    purchase, invoice = services.purchase_addon(organization=pro, code="storage", quantity=1, renew=False)
    pay(invoice)
    assert storage_limit(pro) == 20 * GB
    assert services.end_addon_periods(now=timezone.now() + timedelta(days=29)) == {"renewed": 0, "expired": 0}
    with time_machine.travel(timezone.now() + timedelta(days=30, hours=5)):
        assert services.end_addon_periods() == {"renewed": 0, "expired": 1}
        assert services.end_addon_periods() == {"renewed": 0, "expired": 0}  # twice: same outcome
    purchase.refresh_from_db()
    assert purchase.status == AddonPurchase.Status.EXPIRED
    assert storage_limit(pro) == 10 * GB


def test_renewal_bills_a_new_period_and_keeps_the_limit(pro):
    purchase, invoice = services.purchase_addon(organization=pro, code="storage", quantity=1)
    pay(invoice)
    first_end = AddonPurchase.objects.get().expires_at
    with time_machine.travel(first_end + timedelta(hours=1)):
        assert services.end_addon_periods() == {"renewed": 1, "expired": 0}
        assert services.end_addon_periods() == {"renewed": 0, "expired": 0}
    purchase.refresh_from_db()
    assert purchase.expires_at == first_end + timedelta(days=30)
    renewal = Invoice.objects.exclude(pk=invoice.pk).get()
    assert (renewal.source_type, renewal.source_id, renewal.total) == ("addon", str(purchase.pk), 120)
    assert storage_limit(pro) == 20 * GB

    billing.void_invoice(invoice=renewal, reason="not paid")  # an unpaid renewal ends the add-on
    purchase.refresh_from_db()
    assert purchase.status == AddonPurchase.Status.EXPIRED
    assert storage_limit(pro) == 10 * GB


def test_cancel_stops_renewal_and_the_addon_ends_with_its_period(pro, user):
    purchase, invoice = services.purchase_addon(organization=pro, code="storage", quantity=1)
    pay(invoice)
    services.cancel_addon(organization=pro, pk=purchase.pk, user=user)
    purchase.refresh_from_db()
    assert (purchase.status, purchase.renew) == (AddonPurchase.Status.ACTIVE, False)
    assert storage_limit(pro) == 20 * GB  # paid for: kept until the end of the period
    with pytest.raises(Conflict):
        services.cancel_addon(organization=pro, pk=purchase.pk)
    with time_machine.travel(purchase.expires_at + timedelta(hours=1)):
        assert services.end_addon_periods() == {"renewed": 0, "expired": 1}
    assert Invoice.objects.count() == 1


def test_cancel_before_payment_voids_the_invoice(pro):
    purchase, invoice = services.purchase_addon(organization=pro, code="storage", quantity=1)
    services.cancel_addon(organization=pro, pk=purchase.pk)
    purchase.refresh_from_db()
    invoice.refresh_from_db()
    assert purchase.status == AddonPurchase.Status.CANCELED
    assert invoice.status == "void"
    assert invoice.credit_notes.get().reason == "Add-on canceled before payment"


def test_the_credit_note_of_a_canceled_addon_gives_its_reason_in_the_customers_language(pro):
    pro.locale = "fr"
    pro.save()
    purchase, invoice = services.purchase_addon(organization=pro, code="storage", quantity=1)
    services.cancel_addon(organization=pro, pk=purchase.pk)
    assert invoice.credit_notes.get().reason == "Ressource additionnelle annulée avant paiement"


def test_someone_elses_addon_cannot_be_canceled(pro, other_organization):
    theirs = AddonPurchaseFactory(organization=other_organization, status="active", expires_at=timezone.now() + timedelta(days=3))
    with pytest.raises(NotFound):
        services.cancel_addon(organization=pro, pk=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.renew is True


def test_credits_addon_raises_the_allowance_and_puts_credits_on_the_ledger(pro):
    from generation.selectors import credit_balance

    before = credit_balance(organization=pro)
    _, invoice = services.purchase_addon(organization=pro, code="credits", quantity=2)
    pay(invoice)
    assert credit_balance(organization=pro) == before + 2000
    assert selectors.limit_for(organization=pro, metric=Metric.GENERATION_CREDITS) == 1000 + 2000


def test_ram_addon_lets_a_bigger_job_through(pro):
    from core.errors import QuotaExceeded

    with pytest.raises(QuotaExceeded):
        services.check_quota(organization=pro, metric=Metric.MEMORY_MB, amount=2500)
    _, invoice = services.purchase_addon(organization=pro, code="ram", quantity=1)
    pay(invoice)
    services.check_quota(organization=pro, metric=Metric.MEMORY_MB, amount=2500)


def test_allowed_plans_follow_billings_real_plan(organization, monkeypatch):
    """Without the fake plans: billing's own current_plan decides, by tier."""
    from billing.tests.factories import PlanFactory

    monkeypatch.undo()
    assert not next(o for o in selectors.offers(organization=organization) if o.addon_type.code == "storage").allowed
    billing.subscribe(organization=organization, plan=PlanFactory(code="pro-monthly", tier="pro"), trial=True)
    assert next(o for o in selectors.offers(organization=organization) if o.addon_type.code == "storage").allowed
