"""Article bodies: Markdown rendered, then sanitized (nh3), so an article holds no script, no
event handler, no raw HTML and only http(s)/mailto links and http(s) images."""

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr", "img",
    "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text):
    # Raw HTML typed in the body passes through Markdown untouched; nh3 then keeps only the tags
    # above and drops <script>/<style> with their content.
    html = markdown.markdown(text, extensions=["fenced_code", "sane_lists", "tables"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def plain_text(html):
    """The words of rendered HTML (for search and descriptions)."""
    return nh3.clean(html, tags=set()).strip()
