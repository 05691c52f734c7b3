"""What visitors see of the shop, cached in the shared cache per catalog version.

Every entry is stored with the catalog version it was built from, and is read together with the
current version in one round trip (`get_many`): a change to a product, a price or a category
bumps the version (catalog.signals, and the services that update products in bulk), so the next
read rebuilds. Code that updates products with `QuerySet.update()` calls `changed()` itself.
Keys carry the currency, the language and the request's parameters, so one entry serves everyone
who asks the same thing.
"""

import hashlib
import uuid

from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from core.tasks import after_commit

VERSION_KEY = "catalog:version"
TIMEOUT = 600  # seconds: the version keeps entries fresh, this only bounds their memory
# Rendered fragments hold this instead of the visitor's CSRF token, put back on every response.
CSRF_PLACEHOLDER = "catalog-cache-csrf-token"


def bump():
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def changed(**kwargs):
    """The catalog changed (a signal receiver as well as a plain call). The version moves now and
    again once the change is committed: a page built in between from the old rows is not kept."""
    bump()
    after_commit("catalog_cache_bump", bump)


def _key(parts):
    digest = hashlib.sha256(repr((translation.get_language(), *parts)).encode()).hexdigest()
    return f"catalog:view:{digest}"


def cached(parts, build):
    """`build()`'s value for these parts in the current language, from the cache while the
    catalog has not changed since it was built."""
    key = _key(parts)
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = build()
    cache.set(key, (version, value), TIMEOUT)
    return value


def query_parts(request, ignore=()):
    """The request's query parameters in a stable order (part of a cache key)."""
    return tuple(sorted((name, tuple(values)) for name, values in request.GET.lists() if name not in ignore))


def fragment(request, parts, template, context, *, token=None):
    """A template rendered once per catalog version for everyone asking the same `parts`; the
    visitor's own CSRF token (or `token`) is put into the cached HTML on the way out."""
    html = cached(parts, lambda: render_to_string(template, {**context(), "csrf_token": CSRF_PLACEHOLDER}))
    return mark_safe(html.replace(CSRF_PLACEHOLDER, token or get_token(request)))


def page(request, parts, template, content):
    """The whole page `template` makes around `content(token)` (the page's cached content with
    `token` as its CSRF token), cached as a whole for a visitor who has nothing of their own on it
    (the caller checks: no account, no cart, no message). The layout shows such visitors the same
    thing in a language and currency, but for the language switcher, which sends back to the
    page's own path: the path is part of the key. The visitor's CSRF token is put back per response."""
    parts = ("page", request.get_full_path(), *parts)
    html = cached(parts, lambda: _page(request, template, content))
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))


def _page(request, template, content):
    context = {"content": content(CSRF_PLACEHOLDER), "csrf_token": CSRF_PLACEHOLDER}
    return render_to_string(template, context, request=request)
