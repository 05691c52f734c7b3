"""One search box for products and articles: ranked results of both, the query in the URL,
corrections said, bad queries answered with a message, and a fixed number of queries."""

import pytest

from blog.models import Article
from blog.tests.factories import ArticleFactory
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def content():
    ProductFactory(name="Pack Étudiant 250 crédits", slug="pack-etudiant")
    ProductFactory(name="Le guide du prompt", slug="guide-du-prompt")
    ArticleFactory(title="Écrire un bon prompt", slug="ecrire-un-prompt", language="fr", body="Un *prompt* précis.")
    ArticleFactory(title="Writing a good prompt", slug="writing-a-prompt", language="en", summary="Prompts that work.")
    ArticleFactory(title="Prompt draft", slug="prompt-draft", status=Article.Status.DRAFT, published_at=None)


def test_one_search_finds_products_and_articles_of_the_readers_language(client, content):
    page = client.get("/search/?q=PROMPT").content.decode()
    assert "Le guide du prompt" in page and "Writing a good prompt" in page
    assert "Écrire un bon prompt" not in page and "Prompt draft" not in page and "Pack Étudiant" not in page
    assert 'value="PROMPT"' in page and "/shop/?search=PROMPT" in page
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = client.get("/search/?q=etudiant").content.decode()
    assert "Pack Étudiant 250 crédits" in page and "Aucun article ne correspond à ces mots." in page


@pytest.mark.parametrize("query", ["", "   ", "?!", "a" * 500, "<script>alert(1)</script>"])
def test_empty_long_and_odd_queries_get_an_answer(client, content, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    if len(query) > 200:
        assert "Ensure this value has at most 200 characters (it has 500)." in page


def test_the_search_page_runs_the_same_queries_whatever_the_number_of_rows(client, content, django_assert_max_num_queries):
    client.get("/search/?q=prompt")
    with django_assert_max_num_queries(12) as few:
        client.get("/search/?q=prompt")
    for n in range(10):
        ProductFactory(name=f"Prompt pack {n}")
        ArticleFactory(title=f"Prompt tips {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/search/?q=prompt")


def test_a_typo_is_corrected_for_products_and_articles(client, content):
    page = client.get("/search/?q=promt").content.decode()
    assert "Le guide du prompt" in page and "Writing a good prompt" in page
    assert page.count("Nothing matches “promt”: here are the results for “prompt”.") == 1
    assert "/shop/?search=prompt" in page
