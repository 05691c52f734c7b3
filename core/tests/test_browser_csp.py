"""The Content-Security-Policy the pages pass (issue 21): Chromium walks the visitor's, the
customer's and the staff's main pages with the policy the server sends, and any violation it
reports (a refused inline script, handler, <style> element or style attribute, or a source from
another site) fails."""

import pytest
from django.test import Client

from accounts.tests.factories import login_with_2fa
from billing.tests.factories import invoice
from core.tests.browser import log_in
from core.tests.test_browser_walk import walk  # noqa: F401 - the customer's pages, with something on each
from support.tests.factories import open_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VISITOR_PAGES = ["/", "/shop/", "/billing/pricing/", "/blog/", "/accounts/login/", "/accounts/signup/", "/support/contact/"]

# The violations a page reports (the `securitypolicyviolation` event, before any of its scripts
# runs) and the console line Chromium prints for each.
WATCH = """document.addEventListener("securitypolicyviolation", e =>
    (window.__csp ||= []).push(`${e.violatedDirective} ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`));"""


def watched(page):
    console = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: "Content Security Policy" in m.text and console.append(f"{page.url}: {m.text}"))
    return console


def violations(page, urls):
    """{url: [violation]} over the pages; each also sends the policy."""
    console, found = watched(page), {}
    for url in urls:
        response = page.goto(url)
        assert response.ok, url
        assert "default-src 'self'" in response.headers["content-security-policy"], url
        page.wait_for_load_state("networkidle")
        found[url] = page.evaluate("window.__csp || []")
    return {url: v for url, v in found.items() if v}, console


def staff_session(page, live_server, user):
    client = login_with_2fa(Client(), user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


def test_the_visitor_and_customer_pages_pass_the_policy(page, user, walk):  # noqa: F811
    found, console = violations(page, VISITOR_PAGES)
    assert found == {} and console == []
    log_in(page, user.email)
    found, console = violations(page, walk)
    assert found == {} and console == []


def test_the_staff_pages_pass_the_policy(page, live_server, admin_user, organization, user):
    ticket = open_ticket(organization=organization, requester=user, subject="Export stuck")
    issued = invoice(organization)
    staff_session(page, live_server, admin_user)
    pages = [
        "/admin/",
        "/admin/notifications/notification/broadcast/",
        "/admin/billing/invoice/",
        f"/admin/billing/invoice/{issued.pk}/change/",  # Django's change form: its widgets and scripts
        f"/admin/support/ticket/{ticket.pk}/change/",
        "/admin/billing/dunningpolicy/automation/",
        "/backoffice/",
        "/support/agent/",
        f"/support/agent/tickets/{ticket.pk}/",
        "/support/agent/stats/",
        "/api/docs/",
    ]
    found, console = violations(page, pages)
    assert found == {} and console == []


def test_an_inline_script_is_refused_and_reported(page):
    """The watch above can fail: an inline script a page would carry is blocked, and reported."""
    console = watched(page)
    page.goto("/accounts/login/")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.__ran = true";
                             document.body.append(s); }""")
    # Polled from here: wait_for_function would eval() in the page, which the policy refuses too.
    for _ in range(100):
        if page.evaluate("(window.__csp || []).length"):
            break
        page.wait_for_timeout(50)
    assert page.evaluate("window.__ran") is None
    assert page.evaluate("window.__csp")[0].startswith("script-src")
    assert console
