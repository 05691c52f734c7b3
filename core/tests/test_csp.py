"""The Content-Security-Policy header (issue 21): scripts and stylesheets from the site only, on
every page; Stripe's sources only where the Stripe provider is configured."""

import pytest

from config.settings.base import content_security_policy


def directives(header):
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/docs/", "/admin/login/"])
def test_every_page_sends_the_policy(client, path):
    response = client.get(path)
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no other site
    assert policy["style-src"] == ["'self'"] and policy["style-src-attr"] == ["'none'"]  # no style attribute either
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]


def test_stripe_is_allowed_only_when_it_is_offered():
    assert "https://js.stripe.com" not in str(content_security_policy(["sandbox"]))
    policy = content_security_policy(["sandbox", "stripe"])["DIRECTIVES"]
    assert policy["script-src"] == ["'self'", "https://js.stripe.com"]
    assert policy["frame-src"] == ["https://js.stripe.com", "https://hooks.stripe.com"]  # no 'none' left beside them
    assert policy["connect-src"] == ["'self'", "https://api.stripe.com"]
    assert policy["default-src"] == ["'self'"]
