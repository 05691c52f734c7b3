"""The catalog's search, filters and sort: one FilterSet for the shop page and the API, so the
same URL parameters mean the same thing in both (search, category, min_price, max_price, ordering)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog import selectors
from catalog.models import Category
from core.errors import DomainError
from core.money import to_minor

MAX_SEARCH_LENGTH = 200  # longer queries are a form error (core.search reads this much at most)

ORDERINGS = [
    ("-popularity", _("Most popular")),
    ("relevance", _("Best match (with a search)")),
    ("price", _("Price: low to high")),
    ("-price", _("Price: high to low")),
    ("-created_at", _("Newest")),
]


class ProductFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=MAX_SEARCH_LENGTH,
        label=_("Search"),
        widget=forms.SearchInput(attrs={"placeholder": "ebook, crédits, logo…"}),
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        method="filter_category",
        label=_("Category"),
        help_text=_("A category slug; a top-level category includes its sub-categories."),
    )
    min_price = django_filters.NumberFilter(
        method="filter_min_price", min_value=0, label=_("Min price"), help_text=_("In major units, e.g. 9.99")
    )
    max_price = django_filters.NumberFilter(
        method="filter_max_price", min_value=0, label=_("Max price"), help_text=_("In major units, e.g. 49.99")
    )
    ordering = django_filters.ChoiceFilter(choices=ORDERINGS, method="order", label=_("Sort by"), empty_label=None)

    def __init__(self, *args, currency, **kwargs):
        self.currency = currency
        self.suggestion = None  # set on the FilterSet corrected() returns: the query it searched
        super().__init__(*args, **kwargs)

    def filter_search(self, queryset, name, value):
        return selectors.search(queryset, value)

    def corrected(self):
        """For a search alone that found nothing: the same search with its typos corrected, if that
        finds something, else None. Only asked once a page came out empty, so a search
        that finds costs no query more; with a category or a price set, the filters are the likelier
        reason for an empty page, and nothing is corrected."""
        data = self.form.cleaned_data if self.is_valid() else {}
        narrowed = any(data.get(name) not in (None, "") for name in ("category", "min_price", "max_price"))
        text = data.get("search") if not narrowed else None
        suggestion = selectors.corrected_search(text) if text else None
        if not suggestion:
            return None
        data = self.data.copy()
        data["search"] = suggestion
        other = type(self)(data, queryset=self.queryset, request=self.request, currency=self.currency)
        if not (other.is_valid() and other.qs.exists()):
            return None
        other.typed, other.suggestion = text, suggestion
        return other

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_min_price(self, queryset, name, value):
        return queryset.filter(price__gte=to_minor(value, self.currency))

    def filter_max_price(self, queryset, name, value):
        return queryset.filter(price__lte=to_minor(value, self.currency))

    def order(self, queryset, name, value):
        # Applied in filter_queryset() once every filter (and the search rank) is in place.
        return queryset

    def clean_amounts(self):
        """Prices given with more decimals than the currency has are a form error."""
        for name in ("min_price", "max_price"):
            value = self.form.cleaned_data.get(name)
            if value is not None:
                try:
                    to_minor(value, self.currency)
                except DomainError as exc:
                    self.form.add_error(name, exc.message)
        low, high = self.form.cleaned_data.get("min_price"), self.form.cleaned_data.get("max_price")
        if low is not None and high is not None and low > high:
            self.form.add_error("max_price", _("The maximum price is below the minimum."))

    def is_valid(self):
        if not super().is_valid():
            return False
        self.clean_amounts()
        return not self.form.errors

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        ordering = data.get("ordering") or ("relevance" if data.get("search") else "-popularity")
        if ordering == "relevance":
            ordering = "-rank" if data.get("search") else "-popularity"
        return queryset.order_by(ordering, "name", "pk")
