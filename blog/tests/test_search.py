"""Article search: title over summary over body, words without accents, live articles only, and on
PostgreSQL the article's own language's stemming."""

import pytest

from blog import selectors
from blog.models import Article
from blog.tests.factories import ArticleFactory
from conftest import requires_postgres

pytestmark = pytest.mark.django_db


def found(text, language=None):
    return [a.slug for a in selectors.search(text=text, language=language)]


def test_title_over_summary_over_body_and_drafts_never():
    ArticleFactory(slug="in-body", body="All about **logos** here.", title="Brand work")
    ArticleFactory(slug="in-title", title="Logos that last")
    ArticleFactory(slug="in-summary", summary="Three logos we like.", title="Design notes")
    ArticleFactory(slug="draft", title="Logos draft", status=Article.Status.DRAFT, published_at=None)
    assert found("logos") == ["in-title", "in-summary", "in-body"]


def test_accents_do_not_matter_and_the_body_is_searched_without_its_markup():
    ArticleFactory(slug="fr", language="fr", title="Écrire", body="Une **bannière** animée & colorée.")
    assert found("banniere animee") == ["fr"]
    assert found("BANNIÈRE", language="en") == []
    assert found("strong") == [] and found("amp") == []


def test_the_search_follows_edits():
    from blog import services

    article = ArticleFactory(slug="edited", title="Old title")
    article.title = "Fresh words"
    services.save_article(article=article)
    assert found("fresh") == ["edited"] and found("old") == []


@requires_postgres
def test_french_stemming_for_french_articles():
    ArticleFactory(slug="fr", language="fr", title="Nos nouveaux packs", body="Les générations rapides.")
    assert found("nouveau pack", language="fr") == ["fr"]
    assert found("génération") == ["fr"]
