"""Markdown written by people, rendered then sanitized with nh3: only the tags and attributes the
caller allows, only http(s)/mailto links, and every link marked rel="noopener noreferrer nofollow".
Raw HTML typed in the text passes through Markdown untouched; nh3 then keeps only the allowed
tags and drops <script>/<style> with their content."""

import markdown
import nh3

URL_SCHEMES = {"http", "https", "mailto"}


def render(text, *, tags, attributes, extensions):
    html = markdown.markdown(text, extensions=extensions, output_format="html")
    return nh3.clean(html, tags=tags, attributes=attributes, url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow")
