import pytest

from support.rendering import fill_placeholders, render_markdown


@pytest.mark.parametrize(
    "text, absent",
    [
        ("Hi <script>alert('x')</script> there", ["<script", "alert("]),
        ('<img src="x" onerror="alert(1)">', ["<img", "onerror"]),
        ('<b onclick="steal()">bold</b>', ["onclick", "<b"]),
        ("[click](javascript:alert(1))", ["javascript:"]),
        ("<iframe src='https://evil.test'></iframe>", ["<iframe"]),
        ("<style>body{display:none}</style>", ["<style", "display:none"]),
    ],
)
def test_markdown_is_sanitized(text, absent):
    html = render_markdown(text)
    for fragment in absent:
        assert fragment not in html


def test_markdown_keeps_formatting_and_safe_links():
    html = render_markdown("**Bold**, `code` and [docs](https://webox.test/docs)\n\n- one\n- two")
    assert "<strong>Bold</strong>" in html and "<code>code</code>" in html
    assert '<a href="https://webox.test/docs" rel="noopener noreferrer nofollow">docs</a>' in html
    assert "<li>one</li>" in html


def test_placeholders():
    text = "Hello {customer_name}, {ticket_number} is fixed. {unknown} stays, {0} too."
    assert fill_placeholders(text, {"customer_name": "Alice", "ticket_number": "TCK-000007"}) == (
        "Hello Alice, TCK-000007 is fixed. {unknown} stays, {0} too."
    )
    assert fill_placeholders("A stray { brace", {"customer_name": "A"}) == "A stray { brace"
