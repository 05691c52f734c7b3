import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from billing import services
from billing.models import Invoice, Subscription
from billing.tests.factories import PlanFactory, invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def pro(db):
    return PlanFactory(code="pro", name="Pro", prices={"EUR": 1900, "XOF": 12000}, features=["Priority queue"])


def test_pricing_is_public_and_in_the_chosen_currency(client, pro):
    PlanFactory(code="pro-year", name="Pro yearly", interval="year", prices={"EUR": 19000})
    response = client.get(reverse("billing:pricing") + "?currency=XOF")
    body = response.content.decode()
    assert response.status_code == 200 and "Pro" in body and "Priority queue" in body and "Pro yearly" not in body
    assert "F\u202fCFA\u00a012,000" in body
    assert "€19.00" in client.get(reverse("billing:pricing") + "?currency=EUR").content.decode()


def test_pricing_shows_the_currency_a_visitor_chose_in_the_shop(client, pro):
    client.get(reverse("catalog:catalog") + "?currency=XOF")
    body = client.get(reverse("billing:pricing")).content.decode()
    assert "F\u202fCFA\u00a012,000" in body and "€19.00" not in body


def test_subscribe_with_trial_in_the_browser(client_user, organization, pro):
    response = client_user.post(reverse("billing:subscribe"), {"plan": "pro", "trial": "on"}, follow=True)
    assert response.status_code == 200
    sub = Subscription.objects.get(organization=organization)
    assert sub.status == "trialing"
    assert "Trial until" in client_user.get(reverse("billing:overview")).content.decode()


def test_browser_errors_are_messages_and_change_nothing(client_user, organization, pro):
    eur_only = PlanFactory(code="eur-only", name="Euro only", prices={"EUR": 500})
    organization.currency = "XOF"
    organization.save()
    response = client_user.post(reverse("billing:subscribe"), {"plan": eur_only.code}, follow=True)
    assert "not sold in XOF" in response.content.decode()
    response = client_user.post(reverse("billing:resume"), follow=True)
    assert "You have no subscription yet." in response.content.decode()
    assert not Subscription.objects.exists()


def test_upgrade_and_cancel_in_the_browser(client_user, organization, pro):
    business = PlanFactory(code="business", name="Business", prices={"EUR": 4900})
    services.subscribe(organization=organization, plan=pro)
    response = client_user.post(reverse("billing:change_plan"), {"plan": "business"}, follow=True)
    sub = Subscription.objects.get()
    assert sub.pending_plan == business and sub.invoices.count() == 2
    assert f"Pay invoice {sub.pending_invoice.number} to start the Business plan." in response.content.decode()
    client_user.post(reverse("billing:cancel"), {"when": "period_end"})
    assert Subscription.objects.get().cancel_at_period_end
    client_user.post(reverse("billing:resume"))
    assert not Subscription.objects.get().cancel_at_period_end


def test_invoice_pages_and_strangers_get_404(client_user, organization, other_organization, django_assert_max_num_queries):
    mine = [invoice(organization) for _ in range(5)]
    theirs = invoice(other_organization)
    client_user.get(reverse("billing:invoice_list"))  # warms the session and organization lookups
    with django_assert_max_num_queries(6):
        response = client_user.get(reverse("billing:invoice_list"))
    assert response.status_code == 200 and all(inv.number in response.content.decode() for inv in mine)
    detail = client_user.get(reverse("billing:invoice_detail", args=[mine[0].pk]))
    assert detail.status_code == 200 and "Total incl. VAT" in detail.content.decode()
    Invoice.objects.filter(pk__in=[mine[0].pk, theirs.pk]).update(pdf_file=default_storage.save("i.pdf", ContentFile(b"%PDF")))
    assert client_user.get(reverse("billing:invoice_pdf", args=[mine[0].pk])).status_code == 200
    for name in ("billing:invoice_detail", "billing:invoice_pdf"):
        assert client_user.get(reverse(name, args=[theirs.pk])).status_code == 404
    note = services.issue_credit_note(invoice=theirs, amount=10, reason="x")
    assert client_user.get(reverse("billing:credit_note_pdf", args=[note.pk])).status_code == 404


def test_invoice_list_query_count_does_not_grow(client_user, organization, django_assert_max_num_queries):
    invoice(organization)
    client_user.get(reverse("billing:invoice_list"))
    for _ in range(15):
        invoice(organization)
    with django_assert_max_num_queries(6):
        client_user.get(reverse("billing:invoice_list"))


@pytest.fixture
def admin_client_2fa(client, staff_user, settings):
    settings.DEBUG, settings.ADMIN_2FA_EXEMPT_EMAILS = True, [staff_user.email]  # the admin otherwise wants a TOTP step
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    return client


def test_staff_downloads_any_pdf_from_admin(admin_client_2fa, organization):
    client = admin_client_2fa
    inv = invoice(organization)
    Invoice.objects.filter(pk=inv.pk).update(pdf_file=default_storage.save("i.pdf", ContentFile(b"%PDF")))
    response = client.get(reverse("admin:billing_invoice_pdf", args=[inv.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_admin_pages_and_actions(admin_client_2fa, organization, pro):
    client = admin_client_2fa
    sub = services.subscribe(organization=organization, plan=pro)
    inv = sub.invoices.get()
    for url in (
        "/admin/billing/plan/",
        "/admin/billing/subscription/",
        "/admin/billing/invoice/",
        "/admin/billing/creditnote/",
        f"/admin/billing/invoice/{inv.pk}/change/",
        f"/admin/billing/subscription/{sub.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
    client.post("/admin/billing/subscription/", {"action": "suspend", "_selected_action": [sub.pk]})
    assert Subscription.objects.get().status == "suspended"
    response = client.post(f"/admin/billing/invoice/{inv.pk}/credit-note/", {"amount": "30.00", "reason": "Too much"})
    assert "At most" in response.content.decode()
    client.post(f"/admin/billing/invoice/{inv.pk}/credit-note/", {"amount": "2.80", "reason": "Goodwill"})
    assert inv.credit_notes.get().total == 280
    client.post("/admin/billing/invoice/", {"action": "void", "_selected_action": [inv.pk], "confirmed": "yes"})
    inv.refresh_from_db()
    assert inv.status == "void" and inv.amount_credited == inv.total


def test_admin_refund_full_then_refused(admin_client_2fa, organization, run_on_commit):
    from billing import payments
    from billing.models import Payment, WebhookEvent

    inv = invoice(organization)
    with run_on_commit(execute=True):
        payments.pay_invoice(
            organization=organization, invoice=inv, provider="sandbox", details={"card_number": "4242424242424242"}
        )
    payment = Payment.objects.get()
    client = admin_client_2fa
    for url in (
        "/admin/billing/payment/",
        f"/admin/billing/payment/{payment.pk}/change/",
        "/admin/billing/webhookevent/",
        f"/admin/billing/webhookevent/{WebhookEvent.objects.get().pk}/change/",
        "/admin/billing/paymentmethod/",
    ):
        assert client.get(url).status_code == 200, url
    response = client.post(f"/admin/billing/payment/{payment.pk}/refund/", {"amount": "5.00", "reason": "Partial"})
    assert response.status_code == 302
    client.post(f"/admin/billing/payment/{payment.pk}/refund/", {"amount": "", "reason": "The rest"})
    payment.refresh_from_db()
    assert payment.status == "refunded" and payment.refunds.count() == 2
    response = client.post(f"/admin/billing/payment/{payment.pk}/refund/", {"amount": "1", "reason": "More"})
    assert "Only a succeeded payment" in response.content.decode() or "At most" in response.content.decode()
    assert payment.refunds.count() == 2


def test_overview_shows_subscription_invoices_payments_and_methods(client_user, organization, pro, run_on_commit):
    from billing import payments

    services.subscribe(organization=organization, plan=pro)
    inv = Invoice.objects.get()
    payments.add_payment_method(organization=organization, provider="sandbox", details={"card_number": "4242424242424242"})
    with run_on_commit(execute=True):
        payments.pay_invoice(
            organization=organization, invoice=inv, provider="sandbox", details={"card_number": "4000000000000002"}
        )
    body = client_user.get(reverse("billing:overview")).content.decode()
    for expected in ("Pro", inv.number, "•••• 4242", "Failed", "declined"):
        assert expected in body, expected


def test_overview_lists_every_open_invoice_and_the_five_latest_within_eight_queries(
    client_user, organization, django_assert_max_num_queries
):
    first_open = [invoice(organization) for _ in range(2)]
    voided = [invoice(organization) for _ in range(6)]
    for inv in voided:
        services.void_invoice(invoice=inv, reason="test")
    client_user.get(reverse("billing:overview"))  # warms the session
    with django_assert_max_num_queries(8):
        response = client_user.get(reverse("billing:overview"))
    assert [inv.pk for inv in response.context["open_invoices"]] == [inv.pk for inv in reversed(first_open)]
    assert [inv.pk for inv in response.context["invoices"]] == [inv.pk for inv in reversed(voided[1:])]
