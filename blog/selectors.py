"""Reads of the blog: what visitors may read, per language, and what goes around an article."""

from django.db.models import Count, Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from blog.models import LANGUAGES, Article, Category
from catalog import selectors as catalog_selectors
from core import search as core_search
from core.errors import NotFound

LANGUAGE_CODES = [code for code, _ in LANGUAGES]


def current_language():
    """The active language if the blog has articles in it, else French."""
    language = (get_language() or "fr")[:2]
    return language if language in LANGUAGE_CODES else "fr"


def live_articles(*, language=None):
    articles = Article.objects.live().select_related("author").prefetch_related("categories")
    return articles.filter(language=language) if language else articles


def category(*, slug):
    found = Category.objects.filter(slug=slug).first()
    if found is None:
        raise NotFound(_("No such category."), code="category_not_found")
    return found


def categories(*, language):
    """Categories with their number of live articles in `language` (one query)."""
    live = Article.objects.live().filter(language=language)
    return Category.objects.annotate(article_count=Count("articles", filter=Q(articles__in=live)))


def article(*, language, slug, preview=False):
    """A live article (any article when `preview`: staff reading a draft)."""
    articles = Article.objects.all() if preview else Article.objects.live()
    found = articles.filter(language=language, slug=slug).select_related("author").first()
    if found is None:
        raise NotFound(_("No such article."), code="article_not_found")
    return found


def translations(article):
    """The live versions of `article` in every language, itself included: {language: article}."""
    root = article.translation_of_id or article.pk
    versions = Article.objects.live().filter(Q(pk=root) | Q(translation_of_id=root))
    return {version.language: version for version in versions} | {article.language: article}


def read_next(article, *, limit=3):
    """Live articles of the same language, those sharing a category first, newest first."""
    shared = Article.objects.filter(pk__in=article.categories.values("articles"), language=article.language)
    candidates = live_articles(language=article.language).exclude(pk=article.pk)
    first = list(candidates.filter(pk__in=shared.values("pk"))[:limit])
    if len(first) < limit:
        first += list(candidates.exclude(pk__in=[a.pk for a in first])[: limit - len(first)])
    return first


def related_products(article, *, currency):
    related = catalog_selectors.products(currency=currency).filter(pk__in=article.related_products.values("pk"))
    return list(related.order_by("name"))


def search(*, text, language=None):
    """Live articles matching every word of `text`, best first (core.search says how)."""
    found = core_search.match(live_articles(language=language), core_search.words(text))
    return found.order_by("-rank", "-published_at", "-pk")
