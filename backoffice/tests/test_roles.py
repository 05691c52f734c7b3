"""What each staff role can and cannot see and do, through the admin URLs (2FA passed)."""

import html

import pytest
from django.urls import reverse

from backoffice.tests.factories import login_with_2fa, staff_in

pytestmark = pytest.mark.django_db

INVOICES = "/admin/billing/invoice/"
PAYMENTS = "/admin/billing/payment/"
TICKETS = "/admin/support/ticket/"
COUPONS = "/admin/coupons/coupon/"
PRODUCTS = "/admin/catalog/product/"
AUDIT = "/admin/core/auditentry/"
DASHBOARD = "/backoffice/"


def report(name, export=""):
    url = reverse("backoffice:report", args=[name])
    return f"{url}?export={export}" if export else url


MATRIX = {
    # role: {url: expected status}
    "Finance": {
        INVOICES: 200,
        PAYMENTS: 200,
        COUPONS: 200,
        AUDIT: 200,
        DASHBOARD: 200,
        TICKETS: 403,
        PRODUCTS: 403,
        report("overdue"): 200,
        report("overdue", "overdue"): 200,
        report("coupons"): 200,
        report("support"): 403,
    },
    "Support agents": {
        INVOICES: 403,
        PAYMENTS: 403,
        COUPONS: 403,
        AUDIT: 403,
        DASHBOARD: 403,
        TICKETS: 200,
        PRODUCTS: 403,
        report("overdue"): 403,
        report("overdue", "overdue"): 403,
        report("support"): 403,
        report("support", "overview"): 403,
    },
    "Support leads": {
        INVOICES: 403,
        PAYMENTS: 403,
        COUPONS: 403,
        DASHBOARD: 403,
        TICKETS: 200,
        PRODUCTS: 403,
        report("support"): 200,
        report("support", "overview"): 200,
        report("overdue", "overdue"): 403,
    },
    "Catalog managers": {
        INVOICES: 403,
        PAYMENTS: 403,
        COUPONS: 200,
        DASHBOARD: 403,
        TICKETS: 403,
        PRODUCTS: 200,
        report("coupons"): 200,
        report("coupons", "top10"): 200,
        report("overdue", "overdue"): 403,
    },
}


@pytest.mark.parametrize("role", MATRIX)
def test_what_each_role_sees(client, role):
    login_with_2fa(client, staff_in(role))
    seen = {url: client.get(url).status_code for url in MATRIX[role]}
    assert seen == MATRIX[role]


def test_a_refused_export_says_why_and_sends_no_file(client):
    login_with_2fa(client, staff_in("Support agents"))
    response = client.get(report("overdue", "overdue"))
    assert response.status_code == 403
    assert "Content-Disposition" not in response
    assert "does not give access to the export of the overdue invoices report" in html.unescape(response.content.decode())


def test_finance_can_refund_and_support_cannot(client):
    from accounts.tests.factories import OrganizationFactory
    from backoffice.tests.test_audit import paid_payment
    from billing.tests.factories import invoice

    payment = paid_payment(invoice(OrganizationFactory()))
    url = reverse("admin:billing_payment_refund", args=[payment.pk])
    login_with_2fa(client, staff_in("Support agents"))
    assert client.get(url).status_code == 403
    client.logout()
    login_with_2fa(client, staff_in("Finance"))
    assert client.get(url).status_code == 200


def test_without_2fa_no_role_gets_in(client):
    client.force_login(staff_in("Finance"))
    assert client.get(DASHBOARD).status_code == 302
    assert client.get(INVOICES).status_code == 302


def test_only_staff_allowed_to_notify_can_broadcast(client):
    login_with_2fa(client, staff_in("Support agents"))
    assert client.get(reverse("admin:notifications_broadcast")).status_code == 403


def test_admin_index_groups_by_job_with_counters(client):
    from accounts.tests.factories import OrganizationFactory
    from billing.tests.factories import invoice

    invoice(OrganizationFactory())  # open, not yet due: not counted as overdue
    login_with_2fa(client, staff_in("Finance"))
    response = client.get("/admin/")
    sections = [app["name"] for app in response.context["app_list"]]
    assert sections == ["Sales", "Billing", "Generation", "Platform"]  # no Support section for Finance
    assert ("Overdue invoices", 0) in [(label, value) for label, value, _ in response.context["counters"]]
    assert "Open tickets" not in [label for label, _, _ in response.context["counters"]]
