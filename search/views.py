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


def search(request):
    form = SearchForm(request.GET)
    context = {"form": form, "query": ""}
    if form.is_valid() and core_search.words(form.cleaned_data["q"]):
        query, currency = form.cleaned_data["q"], _currency(request)
        products, products_fix = catalog_selectors.search(catalog_selectors.products(currency=currency), query)
        products = products.order_by("-rank", "name", "pk")
        articles, articles_fix = blog_selectors.search(text=query, language=blog_selectors.current_language())
        product_page = CappedPaginator(products, PRODUCTS_SHOWN).page(1)
        context.update(
            query=query,
            querystring=urlencode({"q": query}),
            currency=currency,
            products=product_page.object_list,
            product_paginator=product_page.paginator,
            products_fix=" ".join(products_fix or []),
            articles_fix=" ".join(articles_fix or []),
            page=CappedPaginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page")),
        )
    return render(request, "search/results.html", context)
