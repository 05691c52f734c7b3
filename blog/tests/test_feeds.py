"""Feeds per language and category, and the sitemap: valid XML, only what is live."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import Article
from blog.tests.factories import ArticleFactory, BlogCategoryFactory
from catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def articles():
    topic = BlogCategoryFactory(slug="guides", name_fr="Guides FR", name_en="Guides EN")
    ArticleFactory(title="English guide", slug="english-guide", categories=[topic])
    ArticleFactory(title="English news", slug="english-news")
    ArticleFactory(title="Guide français", slug="guide-francais", language="fr", categories=[topic])
    ArticleFactory(title="Draft", slug="draft", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(title="Soon", slug="soon", status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(days=1))
    return topic


def test_the_atom_feed_lists_live_articles_of_its_language(client, articles):
    response = client.get("/blog/feeds/en/atom/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    titles = [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]
    assert sorted(titles) == ["English guide", "English news"]
    assert feed.attrib["{http://www.w3.org/XML/1998/namespace}lang"] == "en"


def test_the_rss_feed_of_a_category_in_french(client, articles):
    feed = ET.fromstring(client.get("/blog/feeds/fr/guides/rss/").content)
    channel = feed.find("channel")
    assert channel.find("language").text == "fr"
    assert channel.find("title").text == "Blog WeBox : Guides FR"
    assert [item.find("title").text for item in channel.iter("item")] == ["Guide français"]
    assert channel.find("item/link").text == "http://testserver/blog/fr/guide-francais/"


def test_feeds_of_an_unknown_language_or_category_answer_404(client, articles):
    assert client.get("/blog/feeds/de/atom/").status_code == 404
    assert client.get("/blog/feeds/en/nothing/atom/").status_code == 404


def test_the_sitemap_covers_products_categories_and_live_articles(client, articles):
    ProductFactory(slug="on-sale", category=CategoryFactory(slug="packs"))
    ProductFactory(slug="withdrawn", is_active=False)
    ProductFactory(slug="no-price", eur=False, xof=False)
    index = ET.fromstring(client.get("/sitemap.xml").content)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    sections = [loc.text for loc in index.iter(f"{ns}loc")]
    assert len(sections) == 4
    urls = []
    for section in sections:
        urls += [loc.text for loc in ET.fromstring(client.get(section).content).iter(f"{ns}loc")]
    assert "http://testserver/shop/p/on-sale/" in urls
    assert "http://testserver/shop/?category=packs" in urls
    assert "http://testserver/blog/?category=guides" in urls
    assert "http://testserver/blog/en/english-guide/" in urls and "http://testserver/blog/fr/guide-francais/" in urls
    assert not [url for url in urls if any(word in url for word in ("withdrawn", "no-price", "/draft/", "/soon/"))]
