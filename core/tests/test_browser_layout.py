"""The site's stylesheet as Chromium computes it: button variants, the language switcher, the bell."""

import pytest

from core.tests.browser import DESKTOP, PHONE, log_in, overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUTTONS = """
<button class="btn" id="primary">Pay</button>
<button class="btn btn-secondary" id="secondary">Empty the cart</button>
<button class="btn btn-danger" id="danger">Cancel now</button>
<a class="btn btn-secondary" id="secondary-link" href="#">Back</a>
<a class="btn btn-danger" id="danger-link" href="#">Refuse</a>
"""


def background(page, element_id):
    return page.evaluate(f"getComputedStyle(document.getElementById('{element_id}')).backgroundColor")


def test_secondary_and_danger_buttons_do_not_look_like_the_primary_action(page):
    page.goto("/")
    page.evaluate("html => document.querySelector('main').insertAdjacentHTML('beforeend', html)", BUTTONS)
    primary, secondary, danger = (background(page, i) for i in ("primary", "secondary", "danger"))
    assert len({primary, secondary, danger}) == 3
    assert background(page, "secondary-link") == secondary and background(page, "danger-link") == danger
    assert danger == "rgb(201, 42, 42)" and secondary == "rgb(255, 255, 255)"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_the_header_fits_and_the_bell_is_a_drawn_icon(page, user, viewport):
    page.set_viewport_size(viewport)
    log_in(page, user.email)
    bell = page.locator("a.bell svg")
    assert bell.count() == 1 and bell.bounding_box()["width"] > 10  # an SVG, not an emoji needing a font
    assert "🔔" not in page.content()
    assert page.locator(".language-switcher button").count() == 2
    assert overflow(page) == 0
