"""Helpers for browser tests: logging in, measuring layout at phone and desktop widths."""

PASSWORD = "correct-horse-battery"  # accounts.tests.factories.UserFactory's
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 768}


def log_in(page, email, password=PASSWORD, next_url="/accounts/dashboard/"):
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{next_url}")


def overflow(page):
    """How many pixels the page is wider than the window (0 when nothing sticks out)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def sticking_out(page, selector, container):
    """Elements matching `selector` wider than (or reaching past) their closest `container`."""
    return page.evaluate(
        """([selector, container]) => [...document.querySelectorAll(selector)].filter(el => {
            const box = el.getBoundingClientRect(), outer = el.closest(container).getBoundingClientRect();
            return box.left < outer.left - 0.5 || box.right > outer.right + 0.5;
        }).map(el => el.outerHTML.slice(0, 80))""",
        [selector, container],
    )


def style(page, selector, prop):
    return page.evaluate("([s, p]) => getComputedStyle(document.querySelector(s))[p]", [selector, prop])
