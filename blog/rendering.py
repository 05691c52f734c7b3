"""Article bodies: Markdown rendered, then sanitized (nh3), so an article holds no script, no
event handler, no raw HTML and only http(s)/mailto links and http(s) images."""

from core import markdown

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr", "img",
    "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text):
    return markdown.render(
        text, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, extensions=["fenced_code", "sane_lists", "tables"]
    )

