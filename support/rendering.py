"""Markdown for ticket messages, rendered then sanitized: no script, no raw HTML, safe links only."""

import re

from core import markdown

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
    return markdown.render(
        text, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, extensions=["fenced_code", "nl2br", "sane_lists"]
    )


def fill_placeholders(template, values):
    """Canned replies: each known {placeholder} is replaced; any other brace is left as written."""
    return PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), match.group(0))), template)
