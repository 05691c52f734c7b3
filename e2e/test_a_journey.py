"""A customer's journey through the running process set, in Chromium, and what the pages promise
to show by themselves: the payment result, a job's progress and result, an agent's reply, the bell.

"By itself" is checked, not assumed: before waiting, the test marks the page's window object; a
reload would lose the mark. When the event would come too fast to see the page change, the
worker is frozen (SIGSTOP, between two writes) while the page waits and thawed (SIGCONT) to let the
work finish.
"""

import re
import time
import uuid

import pytest

from e2e.conftest import PASSWORD, Socket, bearer, token_for, wait_in_page
from e2e.processes import wait_for

pytestmark = pytest.mark.e2e

MARK = "window.__e2eStillHere = true"
STILL_HERE = "window.__e2eStillHere === true"


def unread(page):
    badge = page.locator("[data-unread-count]").first
    return int(badge.text_content() or 0) if badge.is_visible() else 0


def wait_socket_open(page):
    wait_in_page(page, "document.body.dataset.wsState === 'open'")


def test_sign_up_and_confirm_the_email_from_its_link(customer, platform, idle_socket):
    page = customer
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", page.email)
    page.fill("input[name=first_name]", "Nina")
    page.fill("input[name=organization_name]", "Nina Prints")
    page.select_option("select[name=currency]", "EUR")
    if page.locator("select[name=locale]").count():
        page.select_option("select[name=locale]", "en")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/dashboard/")

    def verification_link():
        for _, body in platform.emails_to(page.email):
            if found := re.search(r"https?://\S+/accounts/verify/\S+/", body):
                return found.group(0)
        return None

    link = wait_for(verification_link, 60, "no verification email arrived")
    assert link.startswith(platform.base)
    page.goto(link)
    me = page.request.get(platform.base + "/api/v1/me/")
    assert me.status == 200, me.text()
    assert me.json()["email_verified"] is True


def test_buy_pay_with_3d_secure_and_see_the_payment_turn_to_success_by_itself(customer, platform):
    page = customer
    page.goto("/shop/p/pack-decouverte/")  # 100 credits
    page.wait_for_selector("main img[src*='/media/catalog/images/']")
    assert page.evaluate("[...document.images].every(img => img.complete && img.naturalWidth > 0)"), "a broken image"
    page.click("form[action$='/shop/cart/add/'] button")
    page.wait_for_load_state()
    page.goto("/shop/checkout/")
    page.click("main form[method=post] button.btn")
    page.wait_for_url("**/billing/invoices/*/pay/**")
    page.fill("input[name=card_number]", "4000 0027 6000 3184")
    page.click("#pay-form button.btn")
    page.wait_for_url(re.compile(r"/billing/payments/\d+/"))

    # The bank's second step (straight away, or from the payment page), then back on the payment
    # page, which waits for the provider's answer.
    if "sandbox-confirm" not in page.url:
        page.click("#payment-status a.btn")
        page.wait_for_url("**/sandbox-confirm/")
    with platform.frozen("worker"):  # the answer must come while the page is watching
        page.click("button[value=approve]")
        page.wait_for_url("**/billing/payments/*/")
        wait_socket_open(page)
        assert page.locator("#payment-status").get_attribute("data-status") in ("pending", "processing")
        bell_before = unread(page)
        page.evaluate(MARK)
    page.wait_for_selector("#payment-status[data-status=succeeded]", timeout=60_000)
    assert page.evaluate(STILL_HERE), "the page was reloaded instead of updating itself"
    # "Invoice paid" is a notification: the bell counts it, live.
    wait_in_page(page, f"Number(document.querySelector('[data-unread-count]').textContent) > {bell_before}")
    assert page.evaluate(STILL_HERE)


def test_the_invoice_pdf_downloads(customer):
    page = customer
    page.goto("/billing/invoices/")
    page.locator("a[href*='/billing/invoices/']").filter(has_text=re.compile("INV-")).first.click()

    def pdf_link():
        page.reload()
        link = page.locator("a[href$='/pdf/']")
        return link.get_attribute("href") if link.count() else None

    href = wait_for(pdf_link, 60, "the invoice PDF was never rendered", interval=1)
    pdf = page.request.get(page.url.split("/billing/")[0] + href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")


def test_a_generation_job_shows_its_progress_and_result_live(customer, platform, api):
    page = customer
    token = token_for(api, page.email, PASSWORD)
    app = Socket(platform.base.replace("http", "ws", 1) + "/ws/notifications/", token)  # the same user's phone
    wait_for(lambda: app.of_type("hello"), 30, "the app's socket never opened")
    with platform.frozen("worker"):
        response = api.post(
            "/api/v1/generation/jobs/",
            headers=bearer(token),
            json={"kind": "image", "model": "offline-canvas", "prompt": "A lighthouse at dawn", "params": {"count": 2}},
        )
        assert response.status_code == 201, response.text
        job = response.json()["id"]
        page.goto(f"/studio/jobs/{job}/")
        wait_socket_open(page)
        assert page.locator(f"[data-job='{job}'][data-active]").count() == 1
    # The page shows the result by itself (it reloads once to show the files); the test never reloads it.
    image = page.wait_for_selector(f"[data-job='{job}'] img", timeout=120_000)
    wait_in_page(page, "img => img.complete && img.naturalWidth > 0", arg=image)
    assert page.locator(f"[data-job='{job}'][data-active]").count() == 0
    events = [e for e in app.of_type("generation.job") if e["job"] == job]
    assert any(e["status"] == "running" and 0 < e["progress"] < 100 for e in events), events
    assert events[-1]["status"] == "succeeded", events


def test_an_agent_reply_and_the_status_change_appear_live(customer, platform, api, agent):
    page = customer
    token = token_for(api, page.email, PASSWORD)
    response = api.post("/api/v1/support/tickets/", headers=bearer(token),
                        json={"subject": "Where are my credits?", "body": "I paid a pack a minute ago."})
    assert response.status_code == 201, response.text
    ticket = response.json()
    page.goto(f"/support/tickets/{ticket['number']}/")
    wait_socket_open(page)
    page.evaluate(MARK)
    bell_before = unread(page)
    reply = f"Your credits are on your balance ({time.time():.0f})."
    agent.reply(ticket["id"], reply)
    page.wait_for_selector(f"#conversation >> text={reply}", timeout=30_000)
    wait_in_page(page, f"Number(document.querySelector('[data-unread-count]').textContent) > {bell_before}")
    status = page.locator("[data-ticket-status]").first
    assert status.get_attribute("class") != f"status {ticket['status']}", "the status badge did not follow the reply"
    assert page.evaluate(STILL_HERE), "the page was reloaded instead of updating itself"


def test_a_native_app_socket_without_origin_stays_open_a_minute_idle_then_gets_an_event(idle_socket, api, agent):
    wait_for(lambda: time.monotonic() - idle_socket.opened_at >= 60, 90, "not a minute yet", interval=1)
    assert idle_socket.closed is None, f"the idle socket was closed: {idle_socket.closed}"
    assert [message["type"] for _, message in idle_socket.messages] == ["hello"]  # it was idle
    response = api.post("/api/v1/support/tickets/", headers=bearer(idle_socket.access),
                        json={"subject": "Still there?", "body": "Testing my app's socket."})
    assert response.status_code == 201, response.text
    ticket = response.json()
    agent.reply(ticket["id"], "Yes, loud and clear.")
    wait_for(lambda: idle_socket.of_type("support.message"), 30, f"no event reached the idle socket: {idle_socket.messages}")
    assert idle_socket.closed is None


def test_a_franc_customer_pays_by_mobile_money_chosen_at_checkout(browser, platform, api, outside_requests):
    """The XOF journey: checkout through the API with mobile money, the pay page in the browser with
    it chosen, a sandbox test number confirmed on the phone, and the page turning to success by itself."""
    email = f"franc-{uuid.uuid4().hex[:8]}@example.test"
    signup = api.post("/api/v1/auth/register/", json={"email": email, "password": PASSWORD, "currency": "XOF"})
    assert signup.status_code == 201, signup.text
    token = token_for(api, email, PASSWORD)
    added = api.post("/api/v1/cart/items/", headers=bearer(token), json={"product": "pack-decouverte", "quantity": 1})
    assert added.status_code in (200, 201), added.text
    placed = api.post("/api/v1/checkout/", headers=bearer(token), json={"payment_method": "mobile_money"})
    assert placed.status_code == 201, placed.text
    invoice_id, pay_link = placed.json()["invoice_id"], placed.json()["pay_url"]
    assert pay_link.endswith("/pay/?method=mobile_money")
    pay_api = f"/api/v1/billing/invoices/{invoice_id}/pay/"
    french = {"provider": "sandbox", "method": "mobile_money", "phone": "+33 6 12 34 56 78", "operator": "orange"}
    refused = api.post(pay_api, headers=bearer(token), json=french)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "phone_country_mismatch", refused.text
    assert api.get("/api/v1/billing/payments/", headers=bearer(token)).json()["count"] == 0

    context = browser.new_context(base_url=platform.base, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(20_000)
    own = (platform.base, "data:", "blob:")
    page.on("request", lambda r: None if r.url.startswith(own) else outside_requests.append(r.url))
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.goto(pay_link)
    assert page.is_checked("input[name=method][value=mobile_money]")
    assert page.locator("input[name=phone]").is_visible() and not page.locator("input[name=card_number]").is_visible()
    assert page.locator("#test-phones").get_by_text("+221 77 000 00 01").count() == 1
    page.fill("input[name=phone]", "+221 77 000 00 01")
    page.select_option("select[name=operator]", "wave")
    with platform.frozen("worker"):  # the callback must come while the page is watching
        page.click("#pay-form button.btn")
        page.wait_for_url(re.compile(r"/billing/payments/\d+/"))
        wait_socket_open(page)
        assert page.locator("#payment-status").get_attribute("data-status") in ("pending", "processing")
        page.evaluate(MARK)
    page.wait_for_selector("#payment-status[data-status=succeeded]", timeout=60_000)
    assert page.evaluate(STILL_HERE), "the page was reloaded instead of updating itself"
    invoice = api.get(f"/api/v1/billing/invoices/{invoice_id}/", headers=bearer(token)).json()
    assert (invoice["status"], invoice["currency"], invoice["amount_due"]) == ("paid", "XOF", 0), invoice
    context.close()


def test_no_page_loaded_anything_from_another_site(outside_requests):
    assert outside_requests == []


def test_the_server_logs_hold_no_traceback_no_lock_and_no_token(platform, idle_socket):
    log = platform.log_text()
    assert "Traceback" not in log, log[max(0, log.find("Traceback") - 2000):log.find("Traceback") + 3000]
    assert "database is locked" not in log
    assert idle_socket.access not in log
    assert "Internal Server Error" not in log
