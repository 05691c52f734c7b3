"""Production serves what it links to: public product images by URL, private files never, and no
page or API document loads anything from another site."""

import io
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PRIVATE = ["invoices/2026/INV-2026-000001.pdf", "orgs/1/generation/7/00-image.png", "support/1/3/note.txt",
           "catalog/downloads/0123456789abcdef/ebook.pdf"]


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("debug", [False, True])
def test_a_product_image_is_served_at_its_url_with_or_without_debug(client, settings, debug):
    settings.DEBUG = debug
    product = ProductFactory()
    product.image.save("pack.png", ContentFile(png()))
    response = client.get(product.image.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png()


@pytest.mark.parametrize("debug", [False, True])
def test_private_files_have_no_url_with_or_without_debug(client, settings, debug):
    settings.DEBUG = debug
    for name in PRIVATE:
        default_storage.save(name, ContentFile(b"private"))
        assert client.get(f"/media/{name}").status_code == 404, name
    # Nor by walking out of the public folder.
    assert client.get("/media/catalog/images/../../invoices/2026/INV-2026-000001.pdf").status_code == 404
    assert client.get("/media/catalog/images/%2e%2e/%2e%2e/invoices/2026/INV-2026-000001.pdf").status_code == 404


def test_the_api_docs_load_swagger_ui_from_the_site_itself(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and not [url for url in assets if url.startswith(("http:", "https:", "//"))]
    for url in assets:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
    script = next(url for url in assets if "script" in url)
    initializer = client.get(script)
    assert initializer.status_code == 200 and "SwaggerUIBundle" in initializer.content.decode()


def test_no_template_loads_anything_from_another_site_but_stripe_js():
    from pathlib import Path

    from django.conf import settings

    external = re.compile(r'<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)="((?:https?:)?//[^"]*)"', re.I)
    loaded = {
        (path.relative_to(settings.BASE_DIR).as_posix(), url)
        for path in Path(settings.BASE_DIR).glob("**/templates/**/*.html")
        if ".venv" not in path.parts
        for url in external.findall(path.read_text())
    }
    # The one exception: Stripe requires its card fields to come from Stripe.js, loaded from
    # Stripe itself (never a copy); the pay page includes it only when Stripe is configured.
    assert loaded == {("billing/templates/billing/invoice_pay.html", "https://js.stripe.com/v3/")}
