"""Fault drills on the running process set, after the journey (whose log scan they must not spoil):
the worker killed while it works, and (production) Redis stopped.

What must hold: the supervisor starts the worker again and the work completes, each email sent
once (the sweepers queue again what the killed worker took with it); with Redis down, /healthz
says so, pages answer without a server error, nothing is saved half-way, open sockets are closed
with 1013 (Try Again Later) and new ones refused the same way, and live events flow again once it
is back (the page reconnects by itself).
"""

import re
import time
import uuid

import httpx
import pytest

from e2e.conftest import PASSWORD, Socket, bearer, token_for, wait_in_page
from e2e.processes import wait_for

pytestmark = pytest.mark.e2e


def new_customer(api, prefix):
    email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.test"
    response = api.post("/api/v1/auth/register/", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return email, bearer(token_for(api, email, PASSWORD))


def buy(api, headers):
    """A credit pack bought: its invoice is finalized, and its PDF and email are the worker's to do."""
    assert api.post("/api/v1/cart/items/", headers=headers, json={"product": "pack-decouverte", "quantity": 1}).status_code == 201
    checkout = api.post("/api/v1/checkout/", headers=headers, json={"payment_method": "card"})
    assert checkout.status_code == 201, checkout.text
    return checkout.json()["invoice_id"]


def pay(api, headers, invoice):
    """Paid with the card that succeeds: the provider's webhook and the order's fulfilment follow."""
    paid = api.post(f"/api/v1/billing/invoices/{invoice}/pay/", headers=headers,
                    json={"provider": "sandbox", "card_number": "4242 4242 4242 4242"})
    assert paid.status_code == 201, paid.text


def invoice_done(api, headers, invoice):
    """The invoice is paid and its PDF downloads."""
    body = api.get(f"/api/v1/billing/invoices/{invoice}/", headers=headers).json()
    if body.get("status") != "paid":
        return False
    pdf = api.get(f"/api/v1/billing/invoices/{invoice}/pdf/", headers=headers)
    return pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and body["number"]


def subjects_to(platform, email):
    return [subject for subject, _ in platform.emails_to(email)]


def test_a_worker_killed_while_it_works_is_restarted_and_the_work_done_once(platform, api):
    email, headers = new_customer(api, "killed")
    wait_for(lambda: subjects_to(platform, email), 60, "no welcome email arrived")
    mark = platform.log_size()
    with platform.frozen("worker"):  # the work piles up for it
        invoice = buy(api, headers)
    # Killed as soon as it takes the invoice's rendering (with whatever it holds), as a crash or
    # an OOM would. (The sandbox's webhook is sent after: a real provider retries its deliveries,
    # the sandbox, whose delivery is a task of ours, does not.)
    wait_for(lambda: re.search(r"Task billing.tasks.render_invoice_documents\S+ received", platform.log_text(mark)), 60,
             "the worker never took the invoice", interval=0.05)
    killed = platform.kill("worker")
    wait_for(lambda: platform.pid_of("worker", missing_ok=True) not in (None, *killed), 60, "the worker was not restarted")
    pay(api, headers, invoice)

    number = wait_for(lambda: invoice_done(api, headers, invoice), 240, "the invoice was never paid with its PDF", interval=2)
    wait_for(lambda: sum(number in s for s in subjects_to(platform, email)) >= 2, 180,
             f"the invoice's emails never came: {subjects_to(platform, email)}", interval=2)
    credits = api.get("/api/v1/me/", headers=headers)
    assert credits.status_code == 200
    # A sweep after the work is done finds nothing to do again: still one email of each.
    time.sleep(platform.sweep_seconds + 65)
    subjects = subjects_to(platform, email)
    assert len(subjects) == len(set(subjects)), f"an email was sent twice: {subjects}"
    # The restarted worker reports (a heartbeat every 2 s here: a loaded machine may miss one).
    wait_for(lambda: httpx.get(platform.base + "/healthz", timeout=10).status_code == 200, 60, "healthz stayed 503", interval=2)


def browser_page_of(browser, platform, email):
    """A customer's page, logged in, that records the live events its script hands to the page."""
    context = browser.new_context(base_url=platform.base, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/dashboard/")
    page.evaluate("document.addEventListener('webox:event', e => (window.__events ||= []).push(e.detail))")
    wait_in_page(page, "document.body.dataset.wsState === 'open'")
    return page


def ws_url(platform):
    return platform.base.replace("http", "ws", 1) + "/ws/notifications/"


def test_with_redis_down_health_says_so_pages_answer_and_nothing_is_half_saved(platform, api, browser, agent):
    if platform.profile != "production":
        pytest.skip("the embedded profile has no Redis")
    email, headers = new_customer(api, "outage")
    token = headers["Authorization"].split()[1]
    tickets_before = api.get("/api/v1/support/tickets/", headers=headers).json()["count"]
    page = browser_page_of(browser, platform, email)
    app = Socket(ws_url(platform), token)
    wait_for(lambda: app.of_type("hello"), 30, f"the app's socket never opened: {app.closed}")
    mark = platform.log_size()
    platform.stop_redis()
    try:
        # Open sockets are closed with 1013 (Try Again Later), the browser's as the app's.
        wait_for(lambda: app.closed, 30, "the app's socket stayed open on a layer that is down")
        assert app.closed[0] == 1013, app.closed
        wait_in_page(page, "document.body.dataset.wsState === 'closed'")
        # A new socket is refused the same way, not with a server error.
        refused = Socket(ws_url(platform), token)
        wait_for(lambda: refused.closed, 60, "a socket opened while Redis is down was never answered")
        assert refused.closed[0] == 1013 and not refused.messages, (refused.closed, refused.messages)

        health = httpx.get(platform.base + "/healthz", timeout=30)
        assert health.status_code == 503, health.text
        assert {"cache", "broker"} <= set(health.json()["down"]), health.text
        for path in ("/", "/shop/", "/billing/pricing/", "/accounts/login/", "/api/v1/catalog/products/"):
            response = httpx.get(platform.base + path, timeout=30)
            assert response.status_code in (200, 503), f"{path}: {response.status_code}"
            if response.status_code == 503:  # the outage page, not a server error
                assert response.headers["Retry-After"], path
        created = api.post("/api/v1/support/tickets/", headers=headers,
                           json={"subject": "During the outage", "body": "Is anyone there?"})
        assert created.status_code in (201, 503), created.text
    finally:
        platform.start_redis()
    wait_for(lambda: httpx.get(platform.base + "/healthz", timeout=10).status_code == 200, 120, "healthz never recovered",
             interval=2)
    tickets = api.get("/api/v1/support/tickets/", headers=headers).json()
    # Saved whole (the ticket and its first message) or not at all; never twice.
    assert tickets["count"] == tickets_before + (created.status_code == 201)
    for ticket in tickets["results"]:
        detail = api.get(f"/api/v1/support/tickets/{ticket['id']}/", headers=headers).json()
        assert detail["messages"], detail

    # Events flow again: the page's script reconnected by itself (its back-off is at most 30 s),
    # and a socket the app opens again receives them.
    wait_in_page(page, "document.body.dataset.wsState === 'open'", timeout=60)
    again = Socket(ws_url(platform), token)
    wait_for(lambda: again.of_type("hello"), 30, f"no socket after the outage: {again.closed}")
    response = api.post("/api/v1/support/tickets/", headers=headers, json={"subject": "After the outage", "body": "Back?"})
    assert response.status_code == 201, response.text
    agent.reply(response.json()["id"], "Back, and live.")
    wait_for(lambda: again.of_type("support.message"), 30, f"no event after the outage: {again.messages}")
    wait_in_page(page, "(window.__events || []).some(e => e.type === 'support.message')", timeout=30)
    page.context.close()

    log = platform.log_text(mark)
    # No HTTP request answered 500 meanwhile (the outage answers 503), and no socket ended in a
    # server error: the web processes logged the outage without a traceback.
    assert not re.findall(r'"(?:GET|POST|PUT|PATCH|DELETE) [^"]*" 500', log)
    assert "Exception in ASGI application" not in log, log
    assert "socket_closed reason=unavailable" in log
