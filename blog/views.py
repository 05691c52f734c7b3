"""Blog pages: the list of articles in the reader's language (with a category filter), an
article with its related products and what to read next, and the staff preview of any article."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import translation

from blog import selectors
from blog.models import Article
from catalog.selectors import shop_currency
from core.errors import NotFound

PAGE_SIZE = 10


def article_list(request):
    language = selectors.current_language()
    articles = selectors.live_articles(language=language)
    chosen = None
    if request.GET.get("category"):
        try:
            chosen = selectors.category(slug=request.GET["category"])
        except NotFound:
            raise Http404("No such category.") from None
        articles = articles.filter(categories=chosen)
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "blog/article_list.html",
        {
            "page": page,
            "articles": page.object_list,
            "categories": selectors.categories(language=language),
            "chosen": chosen,
            "querystring": urlencode({"category": chosen.slug}) if chosen else "",
            "language": language,
            "site": _site(request),
        },
    )


def _site(request):
    """This site's address, for the absolute links of canonical, hreflang and Open Graph tags."""
    return request.build_absolute_uri("/").rstrip("/")


def _currency(request):
    """The currency the shop shows this reader (their organization's once signed in)."""
    organization = request.organization if request.user.is_authenticated and request.organization else None
    return shop_currency(request, organization)


def _article_page(request, article, *, preview=False):
    currency = _currency(request)
    # The page reads in the article's language, whatever the reader's.
    with translation.override(article.language):
        return render(
            request,
            "blog/article_detail.html",
            {
                "article": article,
                "translations": selectors.translations(article) if not preview else {},
                "read_next": selectors.read_next(article),
                "related_products": selectors.related_products(article, currency=currency),
                "currency": currency,
                "categories": article.categories.all(),
                "tags": article.tags.all(),
                "preview": preview,
                "site": _site(request),
            },
        )


def article_detail(request, language, slug):
    try:
        article = selectors.article(language=language, slug=slug)
    except NotFound:
        raise Http404("No such article.") from None
    return _article_page(request, article)


@permission_required("blog.view_article", raise_exception=True)
def preview(request, pk):
    article = Article.objects.filter(pk=pk).first() if request.user.is_staff else None
    if article is None:
        raise Http404("No such article.")
    return _article_page(request, article, preview=True)
