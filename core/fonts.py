"""The font generated images and PDFs are drawn with: DejaVu Sans, shipped with the project
(static/vendor/dejavu, with its licence), so French accents, the euro sign and "F CFA" render on
any machine, with nothing installed. Pillow's built-in font has no accented letters."""

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "dejavu"
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"


@lru_cache(maxsize=32)
def image_font(size, bold=False):
    """A Pillow font of that pixel size."""
    return ImageFont.truetype(str(BOLD if bold else REGULAR), size)


def css_font_faces():
    """@font-face rules that make WeasyPrint use the shipped files for "DejaVu Sans"."""
    return "\n".join(
        f'@font-face {{ font-family: "DejaVu Sans"; font-weight: {weight}; src: url("{path.as_uri()}"); }}'
        for weight, path in (("normal", REGULAR), ("bold", BOLD))
    )
