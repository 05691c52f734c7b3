"""A customer's walk through the site in Chromium, in French and in English, at phone and desktop
widths (issue 18): on the French pages no sentence of the English catalogue is left untranslated,
no page is wider than the window, and the browser console reports no error."""

import re

import pytest

from billing import services as billing_services
from billing.tests.factories import PlanFactory, invoice
from catalog import services as catalog_services
from catalog.models import Cart
from catalog.tests.factories import ProductFactory
from core import catalogues
from core.tests.browser import DESKTOP, PHONE, log_in, overflow
from support.tests.factories import open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def english_sentences():
    """Every English message of the project's catalogues that French translates differently and
    that reads as a sentence (several words), placeholders cut out."""
    found = set()
    for (_context, msgid), entries in catalogues.translations().items():
        forms = msgid if isinstance(msgid, tuple) else (msgid,)
        translated = {form for string, _path in entries for form in (string if isinstance(string, tuple) else (string,))}
        for english in forms:
            if english in translated:
                continue
            for part in re.split(r"%\(\w+\)[sd]|<[^>]+>|\{\{[^}]+\}\}", english):
                part = part.strip(" .:;,·()")
                if len(part) >= 18 and part.count(" ") >= 3:
                    found.add(part)
    return found


@pytest.fixture
def walk(user, organization):
    """The pages of the walk, with something on each: a plan, an invoice, an order in the cart,
    a ticket."""
    pro = PlanFactory(code="pro", name="Pro", prices={"EUR": 1900})
    billing_services.subscribe(organization=organization, plan=pro)
    paid = invoice(organization)
    ProductFactory(name="Pack Découverte 100 crédits", slug="pack-decouverte")
    cart = Cart.objects.create(organization=organization, user=user)
    catalog_services.add_item(cart=cart, product_slug="pack-decouverte", quantity=1, currency="EUR")
    ticket = open_ticket(organization=organization, requester=user, subject="L'export ne démarre pas")
    return [
        "/accounts/dashboard/",
        "/shop/",
        "/shop/p/pack-decouverte/",
        "/shop/cart/",
        "/shop/checkout/",
        "/shop/orders/",
        "/billing/",
        "/billing/pricing/",
        "/billing/subscription/",
        "/billing/invoices/",
        f"/billing/invoices/{paid.pk}/",
        f"/billing/invoices/{paid.pk}/pay/",
        "/billing/payments/",
        "/billing/payment-methods/",
        "/usage/",
        "/support/",
        "/support/new/",
        "/support/contact/",
        f"/support/tickets/{ticket.number}/",
        "/studio/",
        "/studio/jobs/",
        "/notifications/",
        "/accounts/profile/",
    ]


def visit(page, urls, viewport):
    """Each page's visible text, its overflow and its console errors."""
    page.set_viewport_size(viewport)
    errors = []
    # The test server speaks HTTP only: the notification socket's refused handshake is not a page error.
    page.on(
        "console",
        lambda message: message.type == "error"
        and "/ws/notifications/" not in message.text
        and errors.append(f"{page.url}: {message.text}"),
    )
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    seen = {}
    for url in urls:
        response = page.goto(url)
        assert response.ok, url
        seen[url] = (page.inner_text("body"), overflow(page))
    return seen, errors


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_the_french_walk_has_no_english_sentence_no_overflow_and_no_console_error(page, user, walk, viewport):
    user.locale = "fr"
    user.save()
    log_in(page, user.email)
    seen, errors = visit(page, walk, viewport)
    english = english_sentences()
    left = {url: sorted(s for s in english if s in text) for url, (text, _width) in seen.items()}
    assert {url: found for url, found in left.items() if found} == {}
    assert {url: width for url, (_text, width) in seen.items() if width} == {}
    assert errors == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_the_english_walk_has_no_overflow_and_no_console_error(page, user, walk, viewport):
    log_in(page, user.email)
    seen, errors = visit(page, walk, viewport)
    english = english_sentences()
    # The same sentences are found on the English pages: the French check can fail.
    assert sum(1 for text, _width in seen.values() for sentence in english if sentence in text) > 20
    assert {url: width for url, (_text, width) in seen.items() if width} == {}
    assert errors == []
