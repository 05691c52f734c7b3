"""Demo shop: 5 categories (two with a sub-category) and 24 products of the three kinds, priced in
EUR and XOF. Product images and the digital products' files are drawn with Pillow at seed time,
so no binary is committed. Idempotent: products are found by slug and files made only once."""

import io
from decimal import Decimal

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from catalog.models import Category, Product, ProductPrice
from core.fonts import image_font

STANDARD, BOOKS = Decimal("20.00"), Decimal("5.50")  # French VAT: standard rate, and books (ebooks included)

CATEGORIES = [
    # slug, name, parent, description, colour
    ("credits", "Crédits IA", None, "Packs of generation credits for images, ebooks, audio and video.", (59, 91, 219)),
    ("guides", "Ebooks & guides", None, "Guides et ebooks à télécharger.", (43, 138, 62)),
    ("design", "Images & design", None, "Ready-made visual packs.", (230, 119, 0)),
    ("logos", "Logos & identité", "design", "Logos, palettes et chartes.", (201, 42, 42)),
    ("services", "Services sur mesure", None, "Our AI produces it for you.", (112, 72, 232)),
    ("ebooks-sur-mesure", "Ebooks sur mesure", "services", "Un ebook complet écrit et mis en page par l'IA.", (12, 133, 153)),
]

CREDITS = "credits"
DIGITAL = "digital"
SERVICE = "service"

PRODUCTS = [
    # slug, name, category, kind, EUR cents, XOF francs, extra fields
    ("pack-decouverte", "Pack Découverte 100 crédits", "credits", CREDITS, 990, 6500, {"credits": 100, "is_featured": True}),
    ("pack-etudiant", "Pack Étudiant 250 crédits", "credits", CREDITS, 1900, 12500, {"credits": 250}),
    ("pack-pro", "Pack Pro 500 crédits", "credits", CREDITS, 3900, 25500, {"credits": 500, "is_featured": True}),
    ("pack-studio", "Pack Studio 2 000 crédits", "credits", CREDITS, 12900, 84500, {"credits": 2000}),
    ("pack-entreprise", "Pack Entreprise 10 000 crédits", "credits", CREDITS, 49900, 327000, {"credits": 10000}),
    (
        "pack-flash",
        "Offre flash : 1 000 crédits",
        "credits",
        CREDITS,
        4900,
        32000,
        {"credits": 1000, "stock": 10, "is_featured": True},
    ),
    ("guide-du-prompt", "Le guide du prompt", "guides", DIGITAL, 1490, 9500, {"vat_rate": BOOKS, "is_featured": True}),
    ("prompt-handbook", "Prompt engineering handbook", "guides", DIGITAL, 1990, 13000, {"vat_rate": BOOKS}),
    ("ia-pour-les-pme", "L'IA pour les PME", "guides", DIGITAL, 2490, 16500, {"vat_rate": BOOKS}),
    ("checklist-lancement", "Checklist de lancement produit", "guides", DIGITAL, 490, 3000, {"vat_rate": BOOKS}),
    ("collector-edition", "Édition collector signée", "guides", DIGITAL, 3900, 25500, {"vat_rate": BOOKS, "stock": 5}),
    ("fonds-abstraits", "Pack de fonds d'écran abstraits", "design", DIGITAL, 790, 5000, {}),
    ("icones-minimal", "Minimal icon pack", "design", DIGITAL, 1290, 8500, {"is_featured": True}),
    ("modeles-instagram", "Modèles de posts Instagram", "design", DIGITAL, 1590, 10500, {}),
    ("palette-studio", "Palette de couleurs Studio", "logos", DIGITAL, 590, 4000, {}),
    ("charte-graphique", "Brand guidelines template", "logos", DIGITAL, 2900, 19000, {}),
    (
        "ebook-20-pages",
        "Ebook IA sur mesure, 20 pages",
        "ebooks-sur-mesure",
        SERVICE,
        4900,
        32000,
        {
            "is_featured": True,
            "job_kind": "ebook",
            "job_model": "offline-press",
            "job_params": {"title": "Votre ebook", "chapters": ["Introduction", "Méthode", "Conclusion"], "pages": 20},
        },
    ),
    (
        "ebook-50-pages",
        "Custom AI ebook, 50 pages",
        "ebooks-sur-mesure",
        SERVICE,
        9900,
        65000,
        {
            "job_kind": "ebook",
            "job_model": "offline-press",
            "job_params": {
                "title": "Your ebook",
                "chapters": ["Getting started", "Going further", "Case studies", "Wrap-up"],
                "pages": 50,
            },
        },
    ),
    (
        "logo-4-propositions",
        "Logo généré : 4 propositions",
        "logos",
        SERVICE,
        2900,
        19000,
        {"job_kind": "image", "job_model": "offline-canvas", "job_params": {"width": 1024, "height": 1024, "count": 4}},
    ),
    (
        "illustration-couverture",
        "Cover illustration",
        "services",
        SERVICE,
        1900,
        12500,
        {"job_kind": "image", "job_model": "offline-canvas", "job_params": {"width": 1024, "height": 1536, "count": 1}},
    ),
    (
        "images-produit",
        "Série de 4 images produit",
        "services",
        SERVICE,
        5900,
        38500,
        {"job_kind": "image", "job_model": "offline-canvas", "job_params": {"width": 1024, "height": 1024, "count": 4}},
    ),
    (
        "video-courte",
        "Vidéo courte 6 secondes",
        "services",
        SERVICE,
        3900,
        25500,
        {"job_kind": "video", "job_model": "offline-reel", "job_params": {"duration": 6, "aspect": "9:16"}},
    ),
    (
        "video-pub",
        "Video ad, 10 seconds",
        "services",
        SERVICE,
        8900,
        58500,
        {"job_kind": "video", "job_model": "offline-reel", "job_params": {"duration": 10, "aspect": "16:9"}, "stock": 3},
    ),
    (
        "banniere-pub",
        "Bannière publicitaire",
        "design",
        SERVICE,
        1490,
        9500,
        {"job_kind": "image", "job_model": "offline-canvas", "job_params": {"width": 1536, "height": 512, "count": 2}},
    ),
]

DESCRIPTIONS = {
    CREDITS: "Des crédits ajoutés à votre solde dès le paiement. Credits are added to your balance as soon as you pay.",
    DIGITAL: "Un fichier à télécharger depuis votre commande. A file you download from your order page once paid.",
    SERVICE: "Notre IA le réalise pour vous : le travail démarre dès le paiement. Our AI makes it for you once paid.",
}


def _font(size):
    return image_font(size)


def _picture(title, colour, size=(800, 600)):
    """A gradient card with the product's name: the demo's product image."""
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    width, height = size
    for y in range(height):
        shade = tuple(int(c + (255 - c) * y / height * 0.6) for c in colour)
        draw.line([(0, y), (width, y)], fill=shade)
    draw.ellipse([width * 0.6, -height * 0.2, width * 1.2, height * 0.5], fill=tuple(min(255, c + 40) for c in colour))
    lines, line = [], ""
    for word in title.split():
        if len(line) + len(word) > 18:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    for i, text in enumerate(lines):
        draw.text((40, height - 60 - 56 * (len(lines) - i)), text, fill="white", font=_font(48))
    return image


def _png(image):
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _pdf(title, colour):
    """The digital product's file: a one-page PDF drawn with Pillow."""
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle([0, 0, 1240, 300], fill=colour)
    draw.text((80, 110), title, fill="white", font=_font(64))
    draw.text((80, 400), "WeBox demo download", fill="black", font=_font(40))
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=150)
    return buffer.getvalue()


def seed(log):
    colours = {}
    for slug, name, parent, description, colour in CATEGORIES:
        Category.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "description": description, "ordering": len(colours),
                      "parent": Category.objects.get(slug=parent) if parent else None},
        )  # fmt: skip
        colours[slug] = colour
    created = 0
    for slug, name, category, kind, eur, xof, extra in PRODUCTS:
        fields = {"name": name, "category": Category.objects.get(slug=category), "kind": kind, "description": DESCRIPTIONS[kind]}
        if kind == SERVICE:
            fields.update(job_provider="offline", job_prompt=f"{name}: a demo commission.")
        product, was_created = Product.objects.get_or_create(slug=slug, defaults={**fields, **extra})
        created += was_created
        if not product.image:
            product.image.save(f"{slug}.png", ContentFile(_png(_picture(name, colours[category]))), save=False)
        if kind == DIGITAL and not product.download:
            product.download.save(f"{slug}.pdf", ContentFile(_pdf(name, colours[category])), save=False)
        product.save()
        for currency, amount in (("EUR", eur), ("XOF", xof)):
            ProductPrice.objects.get_or_create(product=product, currency=currency, defaults={"amount": amount})
    log(f"  catalog: {len(CATEGORIES)} categories, {len(PRODUCTS)} products ({created} new)")
