"""Markdown for ticket messages, rendered then sanitized: no script, no raw HTML, safe links only."""

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr", "h3", "h4", "h5", "h6",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text):
    # Raw HTML typed by a user passes through Markdown untouched; nh3 then keeps only the tags
    # above and drops <script>/<style> with their content.
    html = markdown.markdown(text, extensions=["fenced_code", "nl2br", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def fill_placeholders(template, values):
    """Canned replies: {customer_name}, {ticket_number}... replaced; unknown braces left as written."""

    class Missing(dict):
        def __missing__(self, key):
            return "{" + key + "}"

    try:
        return template.format_map(Missing(values))
    except (ValueError, IndexError):  # a stray "{" or "{0}" in the saved text: keep it as written
        return template
