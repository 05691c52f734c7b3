"""An organization that requires two-factor authentication, driven from outside: its owner turns
2FA on for themself and then requires it of every member; a member invited afterwards, who has no
authenticator, is sent to set one up before anything else and gets in once it is confirmed. The
codes are computed from the key the setup page shows, as an authenticator app would
(django_otp.oath.totp, the library the platform checks them with). The API answers the same:
403 `two_factor_enrolment_required` to the member's password-only token before, and after the
enrolment a token only with a code."""

import base64
import re
import uuid

import pytest
from django_otp.oath import totp

from e2e.conftest import PASSWORD, bearer, token_for
from e2e.processes import wait_for

pytestmark = pytest.mark.e2e


def code_from(key, drift=0):
    """The 6 digits an authenticator shows for the base32 `key` (drift 1: the next 30 s step's,
    which the platform accepts too, so one step's code is not used twice)."""
    return f"{totp(base64.b32decode(key), drift=drift):06d}"


def set_up_two_factor(page):
    """On the setup page: read the key shown under the QR code, type the code it gives, confirm."""
    key = page.locator("main code").first.text_content().strip()
    page.fill("input[name=token]", code_from(key))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "Two-factor authentication is on." in page.content()
    return key


def emailed_link(platform, address, path):
    def link():
        for _, body in platform.emails_to(address):
            if found := re.search(rf"https?://\S+{path}\S+/", body):
                return found.group(0)
        return None

    return wait_for(link, 60, f"no email with {path} reached {address}")


def test_an_organization_requires_two_factor_and_a_member_sets_it_up_to_get_in(browser, platform, api):
    since = platform.log_size()
    suffix = uuid.uuid4().hex[:8]
    owner_email, member_email = f"owner-{suffix}@example.test", f"member-{suffix}@example.test"

    # The owner signs up, turns 2FA on, then requires it in the organization's settings.
    owner = browser.new_context(base_url=platform.base, locale="en-GB").new_page()
    owner.set_default_timeout(20_000)
    owner.goto("/accounts/signup/")
    owner.fill("input[name=email]", owner_email)
    owner.fill("input[name=organization_name]", f"Strict Studio {suffix}")
    owner.select_option("select[name=currency]", "EUR")
    owner.select_option("select[name=locale]", "en")
    owner.fill("input[name=password]", PASSWORD)
    owner.click("main button[type=submit]")
    owner.wait_for_url("**/accounts/dashboard/")
    owner.goto("/accounts/two-factor/setup/")
    set_up_two_factor(owner)
    owner.goto("/accounts/organization/")
    owner.check("input[name=require_two_factor]")
    owner.click("main form button[type=submit]")
    owner.wait_for_load_state()
    assert "settings are saved" in owner.content()
    assert owner.is_checked("input[name=require_two_factor]")

    # The owner invites a member, who signs up from the emailed link.
    owner.goto("/accounts/organization/members/")
    owner.fill("form[action$='/members/invite/'] input[name=email]", member_email)
    owner.click("form[action$='/members/invite/'] button[type=submit]")
    owner.wait_for_load_state()
    invitation = emailed_link(platform, member_email, "/accounts/invitation/")
    owner.context.close()

    # Before enrolling, the member's password-only token reads nothing of the organization.
    member = browser.new_context(base_url=platform.base, locale="en-GB").new_page()
    member.set_default_timeout(20_000)
    member.goto(invitation[invitation.index("/accounts/"):])
    member.wait_for_url("**/accounts/signup/**")
    member.fill("input[name=password]", PASSWORD)
    member.click("main button[type=submit]")
    member.wait_for_load_state()
    token = token_for(api, member_email, PASSWORD)
    refused = api.get("/api/v1/billing/invoices/", headers=bearer(token))
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "two_factor_enrolment_required"
    assert f"Strict Studio {suffix}" in refused.json()["error"]["message"]

    # Joining lands on the setup page, and every page of the organization leads back to it.
    assert "/accounts/two-factor/setup/" in member.url, member.url
    assert "asks every member to use two-factor authentication" in member.content()
    member.goto("/billing/")
    assert "/accounts/two-factor/setup/" in member.url, member.url
    key = set_up_two_factor(member)
    member.goto("/billing/")
    assert member.url.endswith("/billing/"), member.url

    # The API: a password alone is no longer enough; with the code the organization answers.
    without_code = api.post("/api/v1/auth/token/", json={"email": member_email, "password": PASSWORD})
    assert without_code.status_code == 401 and without_code.json()["error"]["code"] == "otp_required", without_code.text
    with_code = api.post(
        "/api/v1/auth/token/", json={"email": member_email, "password": PASSWORD, "otp": code_from(key, drift=1)}
    )
    assert with_code.status_code == 200, with_code.text
    invoices = api.get("/api/v1/billing/invoices/", headers=bearer(with_code.json()["access"]))
    assert invoices.status_code == 200 and invoices.json()["count"] == 0, invoices.text
    member.context.close()

    log = platform.log_text(since)
    assert "Traceback" not in log and "Internal Server Error" not in log, log[-5000:]
