"""Markdown for ticket messages, rendered then sanitized: no script, no raw HTML, safe links only."""

import re

import markdown
import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "hr",
    "h3",
    "h4",
    "h5",
    "h6",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


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
    """Canned replies: each known {placeholder} is replaced; any other brace is left as written."""
    return PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), match.group(0))), template)
