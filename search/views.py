"""One search box for the shop and the blog: products (best first, the rest on the shop page with
the same query) and articles of the reader's language, paginated; the query stays in the URL."""

from urllib.parse import urlencode

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from blog import selectors as blog_selectors
from catalog import selectors as catalog_selectors
from core import search as core_search
from core.search import CappedPaginator

PRODUCTS_SHOWN = 8
ARTICLES_PER_PAGE = 10


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=core_search.MAX_QUERY_LENGTH, required=False, strip=True)


def _currency(request):
    organization = request.organization if request.user.is_authenticated and request.organization else None
    return catalog_selectors.shop_currency(request, organization)


def _results(request, query, currency):
    products = catalog_selectors.search(catalog_selectors.products(currency=currency), query).order_by("-rank", "name", "pk")
    articles = blog_selectors.search(text=query, language=blog_selectors.current_language())
    product_page = CappedPaginator(products, PRODUCTS_SHOWN).page(1)
    return product_page, CappedPaginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))


def search(request):
    form = SearchForm(request.GET)
    context = {"form": form, "query": ""}
    if form.is_valid() and core_search.words(form.cleaned_data["q"]):
        query, currency = form.cleaned_data["q"], _currency(request)
        products, articles = _results(request, query, currency)
        suggestion = None
        if not products.paginator.count and not articles.paginator.count:
            # Nothing at all: the query corrected for typos, if that finds something.
            suggestion = catalog_selectors.corrected_search(query)
            if suggestion:
                products, articles = _results(request, suggestion, currency)
        context.update(
            query=query,
            querystring=urlencode({"q": query}),
            currency=currency,
            suggestion=suggestion if products.paginator.count or articles.paginator.count else None,
            searched=suggestion or query,
            products=products.object_list,
            product_paginator=products.paginator,
            page=articles,
        )
    return render(request, "search/results.html", context)
