"""Demo blog: three categories and three stories, each in French and English (one article, two
translations with their own slugs), one of them scheduled for next week. Idempotent."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from blog import services
from blog.models import Article, Category, Tag
from catalog.models import Product

CATEGORIES = [
    ("guides", "Guides", "Guides"),
    ("actualites", "Actualités", "News"),
    ("cas-clients", "Cas clients", "Customer stories"),
]

STORIES = [
    # days ago (negative: scheduled), categories, tags, related products, {language: (slug, title, summary, body)}
    (
        12,
        ["guides"],
        ["prompts", "ebooks"],
        ["guide-du-prompt", "prompt-handbook"],
        {
            "fr": (
                "ecrire-un-bon-prompt",
                "Écrire un bon prompt en cinq étapes",
                "Sujet, style, contraintes : la méthode que nous utilisons pour obtenir une image ou un ebook du premier coup.",
                "## 1. Le sujet d'abord\n\nDites **ce que** vous voulez avant de dire *comment*.\n\n"
                "## 2. Le style\n\nNommez une époque, une technique, une ambiance.\n\n"
                "## 3. Les contraintes\n\n- format\n- couleurs\n- ce qu'il faut éviter\n\n"
                "## 4. Un exemple\n\n> Un renard roux dans une forêt enneigée, aquarelle, tons froids.\n\n"
                "## 5. Itérez\n\nChaque génération coûte quelques crédits : changez une chose à la fois.",
            ),
            "en": (
                "writing-a-good-prompt",
                "Writing a good prompt in five steps",
                "Subject, style, constraints: the method we use to get an image or an ebook right the first time.",
                "## 1. Subject first\n\nSay **what** you want before saying *how*.\n\n"
                "## 2. Style\n\nName a period, a technique, a mood.\n\n"
                "## 3. Constraints\n\n- format\n- colours\n- what to avoid\n\n"
                "## 4. An example\n\n> A red fox in a snowy forest, watercolour, cold tones.\n\n"
                "## 5. Iterate\n\nEach generation costs a few credits: change one thing at a time.",
            ),
        },
    ),
    (
        4,
        ["actualites"],
        ["crédits"],
        ["pack-etudiant", "pack-pro"],
        {
            "fr": (
                "nouveaux-packs-de-credits",
                "Nouveaux packs de crédits pour les étudiants",
                "Le Pack Étudiant arrive : 250 crédits à prix doux, en euros comme en francs CFA.",
                "Le **Pack Étudiant** donne 250 crédits de génération, utilisables pour les images, "
                "les ebooks, l'audio et la vidéo.\n\nIl se paie par carte ou par mobile money.",
            ),
            "en": (
                "new-credit-packs",
                "New credit packs for students",
                "The Student Pack is here: 250 credits at a gentle price, in euros and in CFA francs.",
                "The **Student Pack** gives 250 generation credits, for images, ebooks, audio and video.\n\n"
                "Pay by card or by mobile money.",
            ),
        },
    ),
    (
        -7,
        ["cas-clients"],
        ["logos"],
        ["charte-graphique"],
        {
            "fr": (
                "une-identite-en-une-semaine",
                "Une identité visuelle en une semaine",
                "Comment une agence de Dakar a livré logo, palette et charte avec le studio WeBox.",
                "L'agence a généré une centaine de pistes de logo, puis affiné les trois meilleures.",
            ),
            "en": (
                "a-brand-in-a-week",
                "A brand identity in a week",
                "How a Dakar agency delivered a logo, a palette and guidelines with the WeBox studio.",
                "The agency generated a hundred logo ideas, then refined the best three.",
            ),
        },
    ),
]


def seed(log):
    for ordering, (slug, name_fr, name_en) in enumerate(CATEGORIES):
        Category.objects.get_or_create(slug=slug, defaults={"name_fr": name_fr, "name_en": name_en, "ordering": ordering})
    author = User.objects.filter(email="staff@webox.test").first()
    created = 0
    for days_ago, categories, tags, products, versions in STORIES:
        when = timezone.now() - timedelta(days=days_ago)
        status = Article.Status.PUBLISHED if days_ago >= 0 else Article.Status.SCHEDULED
        original = None
        for language, (slug, title, summary, body) in versions.items():
            article = Article.objects.filter(language=language, slug=slug).first()
            if article is not None:
                original = original or article
                continue
            article = Article(language=language, slug=slug, title=title, summary=summary, body=body, author=author,
                              status=status, published_at=when, translation_of=original)  # fmt: skip
            services.save_article(
                article=article,
                categories=Category.objects.filter(slug__in=categories),
                tags=[Tag.objects.get_or_create(name=name)[0] for name in tags],
                related_products=Product.objects.filter(slug__in=products),
            )
            original = original or article
            created += 1
    log(f"  blog: {len(CATEGORIES)} categories, {2 * len(STORIES)} articles ({created} new)")
