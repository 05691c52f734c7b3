"""Generated images and PDFs are drawn with a font that has every French letter (issue 18)."""

import io

import pypdf
import pytest
from PIL import ImageFont

from core.fonts import image_font

FRENCH = "éèêëàâçîïôœùûüÿ€ÉÈÀÇŒ«»"
MISSING = "\U0010ffff"  # no font has it: it draws the "missing glyph" box


def drawn(font, text):
    mask = font.getmask(text)
    return bytes(mask), mask.size


def test_pillows_own_font_draws_boxes_for_french_letters():
    # Why the project ships a font: this is what "Bann⊠re" looked like.
    assert drawn(ImageFont.load_default(size=40), "è") == drawn(ImageFont.load_default(size=40), MISSING)


@pytest.mark.parametrize("bold", [False, True])
def test_the_shipped_font_has_every_french_letter(bold):
    font = image_font(40, bold=bold)
    box = drawn(font, MISSING)
    assert [letter for letter in FRENCH if drawn(font, letter) == box] == []


def test_product_images_and_offline_images_use_it():
    from catalog import demo
    from generation.providers import offline

    for font in (demo._font(40), offline._font(40)):
        assert drawn(font, "è") != drawn(font, MISSING)


@pytest.mark.django_db
def test_invoice_pdfs_embed_the_shipped_font(organization):
    pytest.importorskip("weasyprint")
    from billing.documents.pdf import invoice_pdf
    from billing.tests.factories import invoice, line

    document = invoice(organization, [line(description="Bannière crédits · 12,50 €")])
    reader = pypdf.PdfReader(io.BytesIO(invoice_pdf(document)))
    fonts = {str(font.get_object()["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert fonts and all("DejaVu-Sans" in name for name in fonts), fonts
