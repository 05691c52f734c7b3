"""The dashboard and reports as a finance person uses them: figures, charts data, CSV and PDF
exports, bad input refused with a clear message, and the cache refreshed when money moves."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.tests.factories import OrganizationFactory
from backoffice import cache, reports
from backoffice.forms import RangeForm
from billing import services
from billing.models import Invoice
from billing.tests.factories import invoice
from core.money import format_money, to_decimal

DASHBOARD = "/backoffice/"


@pytest.fixture
def april(history):
    with time_machine.travel("2026-04-30 12:00Z", tick=False):
        yield history


def test_dashboard_shows_mrr_per_currency(admin_client, april, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        response = admin_client.get(DASHBOARD, {"start": "2026-01-01", "end": "2026-04-30"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "€66.00" in page and "€792.00" in page  # MRR and ARR in EUR
    assert format_money(30000, "XOF") in page and format_money(360000, "XOF") in page
    assert "chart.umd.min.js" in page and 'id="chart-data"' in page


def test_dashboard_exports(admin_client, april):
    query = {"start": "2026-01-01", "end": "2026-04-30", "currency": "EUR"}
    pdf = admin_client.get(DASHBOARD, {**query, "export": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    movement = admin_client.get(DASHBOARD, {**query, "export": "movement"}).content.decode().splitlines()
    assert movement[2] == "2026-02,EUR,0.00,30.00,0.00,0.00,0.00,30.00,66.00"


def test_dashboard_one_currency(admin_client, april):
    figures = admin_client.get(DASHBOARD, {"currency": "xof", "start": "2026-01-01", "end": "2026-04-30"}).context["figures"]
    assert figures["mrr"] == {"XOF": 30000} and list(figures["movement"]) == ["XOF"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-05-01", "end": "2026-01-01"}, "The start date is after the end date"),
        ({"start": "2019-01-01", "end": "2026-01-02"}, "longer than 5 years"),
        ({"currency": "USD"}, "Unknown currency “USD”"),
        ({"start": "yesterday"}, "Enter a valid date"),
    ],
)
def test_bad_input_is_refused_clearly(admin_client, query, message):
    for url in (DASHBOARD, reverse("backoffice:report", args=["coupons"])):
        response = admin_client.get(url, {**query, "export": "pdf"})
        assert response.status_code == 400
        assert message in response.content.decode()
        assert "Content-Disposition" not in response


def overdue_invoice(days):
    organization = OrganizationFactory(name="Late Payer")
    with time_machine.travel(timezone.now() - timedelta(days=days + 14), tick=False):
        return invoice(organization)


def test_overdue_report_lists_what_is_owed_with_links(admin_client):
    late = overdue_invoice(45)
    response = admin_client.get(reverse("backoffice:report", args=["overdue"]))
    page = response.content.decode()
    assert late.number in page and "Late Payer" in page and "31-60" in page
    assert reverse("admin:billing_invoice_change", args=[late.pk]) in page


def test_overdue_report_shows_the_dunning_step_reached(admin_client, run_on_commit):
    from billing.dunning import run_dunning

    late = overdue_invoice(10)
    with run_on_commit(execute=True):
        run_dunning(today=late.due_date + timedelta(days=10))
    page = admin_client.get(reverse("backoffice:report", args=["overdue"])).content.decode()
    assert "D+7 urgent reminder" in page


def test_overdue_csv_export(admin_client):
    late = overdue_invoice(10)
    response = admin_client.get(reverse("backoffice:report", args=["overdue"]), {"export": "overdue"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("Invoice,Organization,Due date,Days overdue")
    assert lines[1].split(",")[:4] == [late.number, "Late Payer", late.due_date.isoformat(), "10"]
    assert lines[1].split(",")[6] == str(to_decimal(late.total, "EUR"))


def test_each_report_renders_and_exports_pdf(admin_client):
    for name in reports.REPORTS:
        url = reverse("backoffice:report", args=[name])
        assert admin_client.get(url).status_code == 200, name
        pdf = admin_client.get(url, {"export": "pdf"})
        assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF"), name


def test_unknown_table_export_is_404(admin_client):
    assert admin_client.get(reverse("backoffice:report", args=["overdue"]), {"export": "nope"}).status_code == 404


def test_cache_refreshed_after_a_payment(admin_client, organization, run_on_commit):
    open_invoice = invoice(organization, [services.LineSpec("Pack", 1, 10000, 20)])
    today = services.platform_today().isoformat()  # the dashboard's days are the platform's (Paris is a day ahead at 23:30 UTC)
    query = {"start": today, "end": today, "currency": "EUR"}

    def collected():
        return admin_client.get(DASHBOARD, query).context["figures"]["collected"].get("EUR", [(None, 0, 0, 0)])[-1][3]

    with CaptureQueriesContext(connection) as cold:
        assert collected() == 0
    with CaptureQueriesContext(connection) as warm:
        assert collected() == 0
    assert len(warm) <= len(cold) - 6  # the second time the figures came from the cache
    revenue_version = cache.version(cache.SUBSCRIPTIONS)
    with run_on_commit(execute=True):
        services.mark_invoice_paid(invoice=open_invoice, amount=open_invoice.total, reference="bank-transfer-1")
    assert Invoice.objects.get(pk=open_invoice.pk).status == "paid"
    assert collected() == 12000
    assert cache.version(cache.SUBSCRIPTIONS) == revenue_version  # a payment leaves the MRR history cached


def test_mrr_refreshed_after_a_subscription(admin_client, organization, run_on_commit):
    from billing.tests.factories import PlanFactory

    plan = PlanFactory(prices={"EUR": 2900})

    def mrr():
        return admin_client.get(DASHBOARD).context["figures"]["mrr"]

    assert mrr() == {}
    with run_on_commit(execute=True):
        services.subscribe(organization=organization, plan=plan)
    assert mrr() == {"EUR": 2900}


def test_coupon_report_counts_confirmed_uses_per_currency(admin_client, organization, other_organization):
    from coupons.models import CouponUsage
    from coupons.tests.factories import CouponFactory

    spring, summer = CouponFactory(code="SPRING"), CouponFactory(code="SUMMER")
    now = timezone.now()
    for n, (coupon, org, original, discount, currency, status) in enumerate(
        [
            (spring, organization, 10000, 1000, "EUR", "confirmed"),
            (spring, organization, 5000, 500, "EUR", "confirmed"),
            (spring, other_organization, 20000, 2000, "XOF", "confirmed"),
            (summer, organization, 8000, 800, "EUR", "released"),  # given back: not a use
        ]
    ):
        CouponUsage.objects.create(
            coupon=coupon, organization=org, target_type="order", target_id=str(n), original_amount=original,
            discount=discount, final_amount=original - discount, currency=currency, status=status, confirmed_at=now,
        )  # fmt: skip
    response = admin_client.get(reverse("backoffice:report", args=["coupons"]), {"export": "coupons"})
    rows = [line.split(",") for line in response.content.decode().splitlines()[1:]]
    # Uses are counted per currency (a released one is not a use); no invoice was paid here, so no
    # discount was given yet (see the next test).
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [("SPRING", "EUR", "2", "0.00"), ("SPRING", "XOF", "1", "0")]


def test_overdue_report_queries_do_not_grow(admin_client, django_assert_max_num_queries):
    for days in (200, 101, 100):  # oldest first: invoice numbers follow their dates
        overdue_invoice(days)
    url = reverse("backoffice:report", args=["overdue"])
    with django_assert_max_num_queries(12):
        assert admin_client.get(url).status_code == 200
    for days in (41, 40, 6, 5):
        overdue_invoice(days)
    with django_assert_max_num_queries(12):
        assert admin_client.get(url).status_code == 200


def test_coupon_report_shows_the_discount_every_paid_invoice_gave(admin_client, organization):
    """A 3-month coupon on a 19 € plan gives 3.80 € on each of three invoices: 11.40 € in all."""
    from datetime import UTC, datetime

    import time_machine

    from billing.tests.factories import PlanFactory
    from coupons.tests.factories import CouponFactory

    with time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=UTC), tick=False):
        CouponFactory(code="THREE", percent_off="20.00", duration="repeating", duration_months=3)
        subscription = services.subscribe(organization=organization, plan=PlanFactory(prices={"EUR": 1900}), coupon_code="THREE")
    for month in (6, 7, 8, 9):
        with time_machine.travel(datetime(2026, month, 1, 10, tzinfo=UTC), tick=False):
            services.renew_subscription(subscription=subscription)
            due = Invoice.objects.get(subscription=subscription, status="open")
            services.mark_invoice_paid(invoice=due, amount=due.amount_due, reference=f"transfer-{month}")
    query = {"export": "coupons", "start": "2026-06-01", "end": "2026-09-30"}
    rows = [
        line.split(",")
        for line in admin_client.get(reverse("backoffice:report", args=["coupons"]), query).content.decode().splitlines()[1:]
    ]
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows] == [("THREE", "EUR", "1", "11.40", "45.60")]


@pytest.mark.parametrize(("language", "label"), [("fr", "Du"), ("en", "From")])
def test_the_period_form_speaks_the_staff_language(language, label):
    with translation.override(language):
        assert str(RangeForm().fields["start"].label) == label
