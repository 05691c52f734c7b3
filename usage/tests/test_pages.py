"""The usage dashboard, buying and canceling from it, and the CSV export."""

import csv
import io

import pytest
from django.urls import reverse

from billing import services as billing_services
from billing.models import Invoice
from billing.selectors import pay_url
from billing.tests.factories import PlanFactory
from generation import services as generation_services
from usage import services
from usage.models import AddonPurchase, Metric
from usage.tests.conftest import GB
from usage.tests.factories import ActiveAddonFactory, AddonPurchaseFactory, UsageRecordFactory

pytestmark = pytest.mark.django_db


def test_dashboard_shows_bars_coloured_by_level(client_user, organization):
    services.adjust_storage(organization=organization, delta_bytes=GB * 96 // 100 + 1024**2)  # 96 % of Free's 1 GB: red
    free = PlanFactory(code="free-page", name="Free", tier="free", generation_credits=100, prices={"EUR": 0, "XOF": 0})
    billing_services.subscribe(organization=organization, plan=free)
    generation_services.adjust_credits(organization=organization, amount=-85, note="jobs")  # 85 of 100: orange
    response = client_user.get(reverse("usage:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    storage = html[html.index('data-metric="storage_bytes"') :]
    assert '<svg class="progress danger"' in storage[: storage.index("</section>")]
    assert '<rect width="96" height="1"/>' in storage[: storage.index("</section>")]  # the bar filled to 96 %
    credits = html[html.index('data-metric="generation_credits"') :]
    assert '<svg class="progress warn"' in credits[: credits.index("</section>")]
    assert '<rect width="85" height="1"/>' in credits[: credits.index("</section>")]
    assert "style=" not in html  # the Content-Security-Policy refuses style attributes
    assert "Month-end projection" in html
    assert reverse("billing:pricing") in html
    assert "chart.umd.min.js" in html and 'id="usage-chart-data"' in html


def test_dashboard_moves_with_the_metrics_partial(client_user, organization):
    services.record(organization=organization, metric=Metric.API_REQUESTS, amount=12)
    assert "<strong>12</strong>" in client_user.get(reverse("usage:metrics")).content.decode()


def test_buying_from_the_page_leads_to_the_invoice_to_pay(client_user, organization, plans):
    plans.set(organization, "pro")
    response = client_user.post(reverse("usage:purchase"), {"code": "storage", "quantity": "3", "renew": "on"})
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == pay_url(invoice)
    purchase = AddonPurchase.objects.get()
    assert purchase.quantity == 3
    assert client_user.get(reverse("usage:pay", args=[purchase.pk]))["Location"] == pay_url(invoice)


def test_buying_on_free_from_the_page_shows_why_and_changes_nothing(client_user, organization):
    response = client_user.post(reverse("usage:purchase"), {"code": "storage", "quantity": "1"}, follow=True)
    assert "not available on your plan" in response.content.decode()
    assert not AddonPurchase.objects.exists()


def test_a_bad_quantity_from_the_page_is_refused(client_user, organization, plans):
    plans.set(organization, "pro")
    response = client_user.post(reverse("usage:purchase"), {"code": "storage", "quantity": "101"}, follow=True)
    assert "Quantity: " in response.content.decode()  # the field named as the form labels it
    assert not AddonPurchase.objects.exists()


def test_cancel_from_the_page_and_strangers_get_a_404(client_user, organization, other_organization):
    mine = ActiveAddonFactory(organization=organization)
    theirs = ActiveAddonFactory(organization=other_organization)
    client_user.post(reverse("usage:cancel", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.renew is False
    assert client_user.post(reverse("usage:cancel", args=[theirs.pk])).status_code == 404
    assert client_user.get(reverse("usage:pay", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.renew is True


def test_csv_export_lists_the_organizations_history_only(client_user, organization, other_organization):
    UsageRecordFactory(organization=organization, metric="traffic_bytes", month="2026-01-01", value=1234)
    UsageRecordFactory(organization=other_organization, metric="traffic_bytes", month="2026-01-01", value=999)
    response = client_user.get(reverse("usage:export_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join([response.content]).decode())))
    assert rows == [["month", "metric", "value"], ["2026-01", "traffic_bytes", "1234"]]


@pytest.mark.parametrize("paid", [True, False])  # unpaid: its period's credits are not granted yet
@pytest.mark.parametrize("url_name", ["usage:dashboard", "usage:metrics"])  # not "page": that is the browser tab
def test_the_usage_pages_stay_within_eight_queries_whatever_they_list(
    client_user, organization, plans, django_assert_max_num_queries, url_name, paid
):
    pro = PlanFactory(code="pro", name="Pro", prices={"EUR": 1900}, generation_credits=1000)
    subscription = billing_services.subscribe(organization=organization, plan=pro)
    first = subscription.invoices.get()
    if paid:
        billing_services.mark_invoice_paid(invoice=first, amount=first.amount_due, reference="transfer-1")
    plans.set(organization, "pro")
    generation_services.grant_credits(organization=organization, amount=250, reason="grant")
    for month in ("2026-01-01", "2026-06-01"):
        UsageRecordFactory(organization=organization, metric="storage_bytes", month=month, value=5 * GB)
        UsageRecordFactory(organization=organization, metric="traffic_bytes", month=month, value=GB)
    for _ in range(2):
        AddonPurchaseFactory(organization=organization)
        ActiveAddonFactory(organization=organization)
    client_user.get(reverse(url_name))  # the credit summary is cached from here
    # user, memberships, live subscription, add-ons' extras, usage records (the dashboard adds the
    # add-on offers and the page of purchases with its count; the unread count is cached)
    with django_assert_max_num_queries(8) as few:
        body = client_user.get(reverse(url_name)).content.decode()
    assert ("1,250" if paid else "250") in body and 'data-metric="storage_bytes"' in body
    for _ in range(8):
        AddonPurchaseFactory(organization=organization)
        ActiveAddonFactory(organization=organization)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client_user.get(reverse(url_name))


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("usage:dashboard"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_dashboard_in_french_names_add_ons_and_months_in_french(client_user, organization, plans):
    plans.set(organization, "pro")
    organization.locale = "fr"
    organization.save()
    page = client_user.get(reverse("usage:dashboard")).content.decode()
    assert "Stockage +10 Go" in page and "Ajouter des ressources" in page
    assert "Storage +10 GB" not in page and "Last 12 months" not in page
