"""The storefront journey in a real browser: search, filter, add to cart as a visitor, log in with
the cart kept, apply a promo code, check out, pay with the sandbox's test card, and find the order
paid, its invoice downloadable and the credits on the balance."""

import pytest

from accounts.tests.factories import MembershipFactory, OrganizationFactory
from catalog.models import Cart, Order
from catalog.tests.factories import CategoryFactory, ProductFactory
from generation.selectors import credit_balance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def shop():
    packs = CategoryFactory(name="Credit packs", slug="credit-packs")
    other = CategoryFactory(name="Ebooks", slug="ebooks")
    ProductFactory(name="Starter pack 500 credits", slug="starter-500", category=packs, credits=500, eur=2500)
    ProductFactory(name="Starter pack ebook", slug="starter-ebook", category=other, credits=50, eur=900)
    ProductFactory(name="Mega pack", slug="mega", category=packs, credits=5000, eur=9900)
    org = OrganizationFactory(name="Nina Prints", currency="EUR")
    return MembershipFactory(organization=org, user__email="nina@example.test").user


def test_search_filter_cart_login_promo_checkout_and_pay(page, shop):
    page.goto("/shop/")
    page.fill("input[name=search]", "starter")
    page.select_option("select[name=category]", "credit-packs")
    page.click("text=Apply")
    page.wait_for_url("**search=starter**")
    # htmx pushes the URL before it swaps the results in: wait for the swap.
    page.locator("text=Mega pack").wait_for(state="detached")
    assert page.locator("text=Starter pack 500 credits").count() == 1
    assert page.locator("text=Starter pack ebook").count() == 0  # filtered out by category
    assert page.locator("text=Mega pack").count() == 0  # filtered out by the search

    with page.expect_response(lambda response: "/shop/cart/add/" in response.url) as added:
        page.click("button:has-text('Add to cart')")
    assert added.value.ok

    page.goto("/accounts/login/?next=/shop/cart/")
    page.fill("input[name=username]", "nina@example.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/shop/cart/")
    assert "Starter pack 500 credits" in page.content()  # the visitor's cart was kept

    page.fill("input[name=code]", "PROMO5")  # 5 EUR off from 15 EUR, a default code
    # Wait for the code's answer: leaving for the checkout before it arrives would cancel it.
    with page.expect_navigation():  # the code's form posts, then comes back to the cart
        page.click("button:has-text('Apply')")
    assert "The code PROMO5 takes €5.00 off." in page.content()
    assert Cart.objects.get(user=shop).coupon_code == "PROMO5"

    page.goto("/shop/checkout/")
    page.click("button:has-text('Place the order')")
    page.wait_for_url("**/billing/invoices/*/pay/**")

    page.fill("input[name=card_number]", "4242 4242 4242 4242")
    page.click("#pay-form button.btn")
    page.wait_for_url("**/billing/payments/*/**")

    order = Order.objects.get(organization=shop.default_organization)
    assert order.status == Order.Status.FULFILLED
    assert order.coupon_code == "PROMO5"
    # 25.00 EUR + 20% VAT = 30.00, less the 5.00 EUR promo spread over the line.
    assert order.total < 3000
    assert credit_balance(organization=shop.default_organization) == 500

    page.goto(f"/shop/orders/{order.pk}/")
    assert "fulfilled" in page.content().lower()
    pdf_link = page.locator("text=Download the PDF").get_attribute("href")
    pdf = page.request.get(pdf_link)  # with the page's session cookie
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
