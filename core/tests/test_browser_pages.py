"""Pages a customer trips on, measured in Chromium at phone and desktop widths (issue 18): nothing
wider than the window, the checkout's columns stacked on a phone, overdue invoices in red."""

import pytest

from billing.tests.factories import invoice
from catalog import services as catalog_services
from catalog.models import Cart
from catalog.tests.factories import ProductFactory
from core.tests.browser import DESKTOP, PHONE, log_in, overflow, style
from core.tests.test_browser_csp import staff_session
from support.tests.factories import open_ticket
from usage.tests.factories import ActiveAddonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_WORD = "a" * 4000


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_a_long_word_in_a_ticket_message_stays_inside_the_page(page, user, organization, viewport):
    ticket = open_ticket(organization=organization, requester=user, subject=LONG_WORD[:150], body=LONG_WORD)
    page.set_viewport_size(viewport)
    log_in(page, user.email, next_url=f"/support/tickets/{ticket.number}/")
    assert overflow(page) == 0


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_checkout_fits_and_stacks_its_columns_on_a_phone(page, user, organization, viewport):
    ProductFactory(name="Pack Découverte 100 crédits", slug="pack-decouverte")
    cart = Cart.objects.create(organization=organization, user=user)
    catalog_services.add_item(cart=cart, product_slug="pack-decouverte", quantity=1, currency="EUR")
    page.set_viewport_size(viewport)
    log_in(page, user.email, next_url="/shop/checkout/")
    assert overflow(page) == 0
    review, details = (page.locator(".checkout-layout > section").nth(i).bounding_box() for i in (0, 1))
    if viewport is PHONE:
        assert details["y"] >= review["y"] + review["height"]  # one under the other
    else:
        assert details["y"] == review["y"] and details["x"] > review["x"]  # side by side


def test_an_overdue_invoice_is_red_on_the_billing_page(page, user, organization):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now() - timedelta(days=60), tick=False):
        invoice(organization)
    log_in(page, user.email, next_url="/billing/invoices/")
    assert style(page, "span.status.overdue", "color") == "rgb(165, 14, 14)"
    assert overflow(page) == 0


def test_a_table_on_a_phone_keeps_its_badges_and_actions_in_whole_words(page, user, organization):
    user.locale = "fr"  # the longer labels: "Arrêter le renouvellement"
    user.save()
    ActiveAddonFactory(organization=organization, renew=True)
    page.set_viewport_size(PHONE)
    log_in(page, user.email, next_url="/usage/")
    row = page.locator(".table-wrap tbody tr").first
    badge, action = row.locator(".status"), row.locator("button")
    line = float(style(page, ".table-wrap .status", "line-height").rstrip("px"))
    assert badge.bounding_box()["height"] < 2 * line  # "Actif" on one line, not "Acti / f"
    assert action.bounding_box()["height"] < 3 * line  # words wrap whole, not a letter a line


def test_the_back_office_fits_a_phone_and_reads_in_french(page, live_server, admin_user, organization):
    admin_user.locale = "fr"
    admin_user.save()
    invoice(organization)
    staff_session(page, live_server, admin_user)
    page.set_viewport_size(PHONE)
    page.goto("/backoffice/")
    assert overflow(page) == 0  # its report tables scroll inside the page
    text = page.inner_text("#content")
    assert "Factures en retard" in text and "Performance des codes promo" in text and "Actif" in text
    assert "Overdue invoices" not in text and "past_due" not in text
