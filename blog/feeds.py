"""Atom and RSS feeds of the live articles, per language and optionally per category (Django's
syndication framework)."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from blog import selectors
from core.errors import NotFound

ITEMS = 20


class ArticleFeed(Feed):
    def get_object(self, request, language, category=None):
        if language not in selectors.LANGUAGE_CODES:
            raise Http404("No such language.")
        chosen = None
        if category:
            try:
                chosen = selectors.category(slug=category)
            except NotFound:
                raise Http404("No such category.") from None
        return {"language": language, "category": chosen}

    def __call__(self, request, *args, **kwargs):
        # The feed's texts and its language tag follow the feed's language.
        with translation.override(kwargs.get("language", "fr")):
            return super().__call__(request, *args, **kwargs)

    def title(self, obj):
        if obj["category"]:
            return _("WeBox blog: %(category)s") % {"category": obj["category"].name}
        return _("WeBox blog")

    def link(self, obj):
        link = reverse("blog:list")
        return f"{link}?category={obj['category'].slug}" if obj["category"] else link

    def description(self, obj):
        return _("Articles about AI generation, credits and the WeBox studio.")

    def items(self, obj):
        articles = selectors.live_articles(language=obj["language"])
        if obj["category"]:
            articles = articles.filter(categories=obj["category"])
        return articles[:ITEMS]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.author.full_name if item.author else None

    def item_categories(self, item):
        return [category.name for category in item.categories.all()]


class AtomArticleFeed(ArticleFeed):
    feed_type = Atom1Feed
    subtitle = ArticleFeed.description
