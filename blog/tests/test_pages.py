"""The blog as visitors read it: lists per language with categories and pages, articles with
their translations, products and what to read next, SEO tags, drafts hidden, the staff preview."""

from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import Article
from blog.tests.factories import ArticleFactory, BlogCategoryFactory
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_the_list_shows_live_articles_of_the_readers_language_only(client):
    ArticleFactory(title="Live in English")
    ArticleFactory(title="En français", language="fr")
    ArticleFactory(title="A draft", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(title="Next week", status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(days=7))

    page = client.get("/blog/").content.decode()

    assert "Live in English" in page
    assert "En français" not in page and "A draft" not in page and "Next week" not in page
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = client.get("/blog/").content.decode()
    assert "En français" in page and "Live in English" not in page


def test_the_list_filters_by_category_and_is_paginated(client):
    topic = BlogCategoryFactory(name_en="Guides")
    ArticleFactory(title="Filed under guides", categories=[topic])
    ArticleFactory(title="Elsewhere")
    page = client.get(f"/blog/?category={topic.slug}").content.decode()
    assert "Filed under guides" in page and "Elsewhere" not in page
    assert client.get("/blog/?category=no-such-thing").status_code == 404

    ArticleFactory.create_batch(11)
    first, second = client.get("/blog/").content.decode(), client.get("/blog/?page=2").content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert client.get("/blog/?page=oops").status_code == 200


def test_the_list_runs_the_same_queries_whatever_the_number_of_articles(client, django_assert_max_num_queries):
    topics = BlogCategoryFactory.create_batch(3)
    ArticleFactory.create_batch(2, categories=topics)
    client.get("/blog/")
    with django_assert_max_num_queries(8) as few:
        client.get("/blog/")
    ArticleFactory.create_batch(10, categories=topics)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/blog/").status_code == 200


def test_an_article_page_links_its_translation_products_and_what_to_read_next(client):
    topic = BlogCategoryFactory()
    original = ArticleFactory(language="fr", slug="ecrire-un-prompt", title="Écrire un prompt", categories=[topic])
    english = ArticleFactory(language="en", slug="writing-a-prompt", title="Writing a prompt", translation_of=original,
                             categories=[topic], body="## Steps\n\nOne, *two*.")  # fmt: skip
    english.related_products.set([ProductFactory(name="Prompt handbook")])
    ArticleFactory(language="en", title="Another guide", categories=[topic])
    ArticleFactory(language="fr", title="Pas en anglais")

    response = client.get("/blog/en/writing-a-prompt/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h2>Steps</h2>" in page and "<em>two</em>" in page
    assert '<link rel="canonical" href="http://testserver/blog/en/writing-a-prompt/">' in page
    assert '<link rel="alternate" hreflang="fr" href="http://testserver/blog/fr/ecrire-un-prompt/">' in page
    assert '<link rel="alternate" hreflang="en" href="http://testserver/blog/en/writing-a-prompt/">' in page
    assert '<meta property="og:title" content="Writing a prompt">' in page
    assert "Lire en français" in page
    assert "Prompt handbook" in page and "€10.00" in page
    assert "Read next" in page and "Another guide" in page and "Pas en anglais" not in page
    # The French version reads in French, whatever the visitor's language.
    page = client.get("/blog/fr/ecrire-un-prompt/").content.decode()
    assert '<html lang="fr">' in page and "À lire ensuite" in page and "Pas en anglais" in page


def test_drafts_and_future_articles_answer_404_to_visitors(client):
    ArticleFactory(slug="draft", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(slug="soon", status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(hours=1))
    assert client.get("/blog/en/draft/").status_code == 404
    assert client.get("/blog/en/soon/").status_code == 404
    assert client.get("/blog/fr/draft/").status_code == 404


def test_a_scheduled_article_appears_at_its_time_without_anyone_acting(client, time_machine):
    time_machine.move_to("2026-06-01 08:00Z")
    ArticleFactory(slug="monday", title="Monday news", status=Article.Status.SCHEDULED,
                   published_at=timezone.now() + timedelta(hours=2))  # fmt: skip
    assert client.get("/blog/en/monday/").status_code == 404
    assert "Monday news" not in client.get("/blog/").content.decode()

    time_machine.move_to("2026-06-01 10:00:01Z")

    assert client.get("/blog/en/monday/").status_code == 200
    assert "Monday news" in client.get("/blog/").content.decode()


def test_staff_preview_a_draft_visitors_and_staff_without_the_role_cannot(client, editor):
    from accounts.tests.factories import UserFactory

    draft = ArticleFactory(title="Work in progress", status=Article.Status.DRAFT, published_at=None)
    assert client.get(f"/blog/preview/{draft.pk}/").status_code in (302, 403)
    client.force_login(UserFactory(email="someone@example.test", is_staff=True))
    assert client.get(f"/blog/preview/{draft.pk}/").status_code == 403
    client.force_login(editor)
    page = client.get(f"/blog/preview/{draft.pk}/").content.decode()
    assert "Work in progress" in page and "Preview: this article is Draft" in page and 'content="noindex"' in page
    assert client.get("/blog/preview/999999/").status_code == 404


def test_cover_images_are_public_with_their_description(client):
    from django.core.files.base import ContentFile

    article = ArticleFactory(slug="with-cover", cover_alt="A fox in the snow")
    article.cover.save("fox.png", ContentFile(b"\x89PNG fake"), save=True)
    page = client.get("/blog/en/with-cover/").content.decode()
    assert 'alt="A fox in the snow"' in page and 'property="og:image"' in page
    assert client.get(article.cover.url).status_code == 200
