"""End-to-end suite: the real process set, driven from outside (Chromium, HTTP, WebSocket).

Run one profile per pytest process (what `.ci/run` does):

    .venv/bin/python -m pytest e2e -m e2e --profile embedded     # make run
    .venv/bin/python -m pytest e2e -m e2e --profile production   # supervisord, PostgreSQL, Redis

The modules run in order: the journey (and the scan of the server logs it produced), the plan
credits' journey, then the fault drills, which kill, freeze and cut what the journeys used.
"""

import asyncio
import json
import os
import threading
import time
import uuid

import httpx
import pytest
import websockets
from django_otp.oath import totp

from e2e.processes import PROFILES, wait_for

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "e2e-" + uuid.uuid4().hex


def pytest_addoption(parser):
    parser.addoption("--profile", choices=sorted(PROFILES), default="embedded", help="which process set to start")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: item.fspath.basename)  # journey first, then the fault drills


@pytest.fixture(scope="session")
def platform(request):
    process_set = PROFILES[request.config.getoption("profile")]()
    try:
        process_set.start()
        yield process_set
    finally:
        process_set.stop()
        if not os.environ.get("E2E_KEEP"):
            process_set.cleanup()


@pytest.fixture(scope="session")
def api(platform):
    with httpx.Client(base_url=platform.base, timeout=30) as client:
        yield client


def wait_in_page(page, expression, arg=None, timeout=20):
    """Poll `expression` (evaluated with `arg`) in the page until it is truthy. Playwright's
    wait_for_function polls with an eval() inside the page, which the Content-Security-Policy
    refuses (no 'unsafe-eval'); an evaluation driven from here is not the page's own script."""
    return wait_for(lambda: page.evaluate(expression, arg), timeout, f"never true in {page.url}: {expression}", interval=0.1)


def token_for(api, email, password):
    response = api.post("/api/v1/auth/token/", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access"]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


class Agent:
    """A support agent at the agent desk, in a browser of their own."""

    def __init__(self, page):
        self.page = page

    def reply(self, ticket_id, body):
        self.page.goto(f"/support/agent/tickets/{ticket_id}/")
        self.page.fill("form[action$='/reply/'] textarea[name=body]", body)
        self.page.click("form[action$='/reply/'] button.btn")
        self.page.wait_for_load_state()


@pytest.fixture(scope="session")
def agent(browser, platform):
    context = browser.new_context(base_url=platform.base, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", platform.agent[0])
    page.fill("input[name=password]", platform.agent[1])
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    if platform.agent_totp_key:  # the login's second step: the code the agent's authenticator shows
        page.fill("input[name=token]", f"{totp(bytes.fromhex(platform.agent_totp_key)):06d}")
        page.click("main button[type=submit]")
        page.wait_for_load_state()
    yield Agent(page)
    context.close()


class Socket:
    """A native-app socket (JWT in a header, no Origin) in a thread of its own, keeping every
    message it receives with the time it came."""

    def __init__(self, url, token):
        self.url, self.token = url, token
        self.messages, self.closed, self.opened_at = [], None, None
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.thread.start()

    async def _run(self):
        try:
            async with websockets.connect(self.url, additional_headers=bearer(self.token), open_timeout=20) as ws:
                self.opened_at = time.monotonic()
                try:
                    async for raw in ws:
                        self.messages.append((time.monotonic(), json.loads(raw)))
                except websockets.ConnectionClosedError:
                    pass  # closed with a code other than 1000 or 1001: kept below for the test
                self.closed = (ws.close_code, ws.close_reason)
        except Exception as exc:  # noqa: BLE001 - reported by the test that reads it
            self.closed = (None, repr(exc))

    def of_type(self, kind):
        return [message for _, message in self.messages if message.get("type") == kind]


@pytest.fixture(scope="session")
def idle_socket(platform, api):
    """A second customer, signed up through the API, whose app opens its socket at the start of
    the run and then says nothing: the journey tests come back to it after a minute."""
    email = f"idle-{uuid.uuid4().hex[:8]}@example.test"
    response = api.post("/api/v1/auth/register/", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    token = token_for(api, email, PASSWORD)
    socket = Socket(platform.base.replace("http", "ws", 1) + "/ws/notifications/", token)
    wait_for(lambda: socket.of_type("hello") or socket.closed, 30, "the idle socket never opened")
    assert socket.closed is None, socket.closed
    socket.email, socket.access = email, token
    return socket


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (bin/install-system-deps installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def outside_requests():
    """Every request a page made to another host than the platform's (none may)."""
    return []


@pytest.fixture(scope="session")
def customer(browser, platform, outside_requests):
    """The customer's browser tab, kept for the whole journey (its cookies, its socket)."""
    context = browser.new_context(base_url=platform.base, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    own = (platform.base, "data:", "blob:")
    page.on("request", lambda r: None if r.url.startswith(own) else outside_requests.append(r.url))
    page.email = f"customer-{uuid.uuid4().hex[:8]}@example.test"
    yield page
    context.close()
