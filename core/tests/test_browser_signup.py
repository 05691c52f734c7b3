"""A new customer in a real browser: sign up, confirm the email from its link, log out, log in."""

import re

import pytest

from accounts.models import User
from notifications.models import EmailLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_confirm_email_then_log_in_again(page):
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", "new.customer@example.test")
    page.fill("input[name=first_name]", "Nina")
    page.fill("input[name=organization_name]", "Nina Prints")
    page.select_option("select[name=currency]", "EUR")
    page.fill("input[name=password]", "a-long-and-unusual-passphrase")
    page.click("button[type=submit]")

    page.wait_for_url("**/accounts/dashboard/")
    assert "Nina Prints" in page.content()
    assert page.locator(".banner-info").is_visible()  # "please confirm your email"

    email = EmailLog.objects.get(recipient="new.customer@example.test", kind="verify_email")
    link = re.search(r"https?://\S+/accounts/verify/\S+/", email.body_text).group(0)
    page.goto(link[link.index("/accounts/"):])
    assert "your email address is confirmed" in page.content()
    assert User.objects.get(email="new.customer@example.test").email_verified_at is not None

    page.click("text=Log out")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "new.customer@example.test")
    page.fill("input[name=password]", "a-long-and-unusual-passphrase")
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/dashboard/")
    assert page.locator(".banner-info").count() == 0


def test_a_wrong_password_shows_the_error_and_keeps_me_out(page):
    User.objects.create_user(email="someone@example.test", password="the-right-passphrase")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "someone@example.test")
    page.fill("input[name=password]", "not-the-right-one")
    page.click("button[type=submit]")
    assert "/accounts/login/" in page.url
    assert page.locator(".errorlist").count() >= 1
