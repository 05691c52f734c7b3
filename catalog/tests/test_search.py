"""Search that finds, on both databases: accents and case never matter, every word counts, names
rank above descriptions; on PostgreSQL stemming and typos ("prompts", "promt") too."""

import pytest

from catalog import selectors
from catalog.models import Category
from catalog.tests.factories import CategoryFactory, ProductFactory
from conftest import requires_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    packs = CategoryFactory(name="Crédits IA", slug="credits")
    guides = CategoryFactory(name="Ebooks & guides", slug="guides")
    design = CategoryFactory(name="Images & design", slug="design")
    return {
        "student": ProductFactory(name="Pack Étudiant 250 crédits", slug="pack-etudiant", category=packs),
        "pro": ProductFactory(name="Pack 500 crédits", slug="pack-pro", category=packs, description="Pour les pros."),
        "guide": ProductFactory(name="Le guide du prompt", slug="guide-du-prompt", category=guides,
                                description="Écrire des prompts qui marchent."),  # fmt: skip
        "handbook": ProductFactory(name="Prompt engineering handbook", slug="prompt-handbook", category=guides),
        "banner": ProductFactory(name="Bannière web animée", slug="banniere", category=design),
        "logo": ProductFactory(name="Logo express", slug="logo-express", category=design),
        "kit": ProductFactory(name="Kit de marque", slug="kit", category=design, description="Un logo, une palette."),
    }


def found(text):
    products, corrected = selectors.search(selectors.products(currency="EUR"), text)
    return [p.slug for p in products.order_by("-rank", "name", "pk")], corrected


@pytest.mark.parametrize("text", ["etudiant", "Étudiant", "ETUDIANT", "étudiant", "  Etudiant!  "])
def test_accents_and_case_do_not_matter(shop, text):
    assert found(text) == (["pack-etudiant"], None)


def test_every_word_must_match_whatever_its_accents(shop):
    assert sorted(found("pack credits")[0]) == ["pack-etudiant", "pack-pro"]
    assert found("pack credits etudiant")[0] == ["pack-etudiant"]
    assert found("banniere")[0] == ["banniere"]
    assert found("BANNIÈRE ANIMEE")[0] == ["banniere"]


def test_a_word_in_the_name_ranks_above_one_in_the_description(shop):
    assert found("logo")[0] == ["logo-express", "kit"]


def test_a_word_being_typed_already_finds(shop):
    assert "prompt-handbook" in found("handb")[0]


@pytest.mark.parametrize("text", ["", "   ", "!!!", "&|!():*'\"\\", "a" * 500, "drop table; --", "é" * 300])
def test_odd_queries_never_fail(shop, text):
    products, corrected = selectors.search(selectors.products(currency="EUR"), text)
    assert isinstance(list(products), list) and corrected is None


def test_the_search_follows_renames(shop):
    shop["logo"].name = "Monogramme express"
    shop["logo"].save()
    assert found("monogramme")[0] == ["logo-express"]
    design = Category.objects.get(slug="design")
    design.name = "Identité visuelle"
    design.save()
    assert set(found("identite")[0]) == {"banniere", "logo-express", "kit"}


@requires_postgres
def test_stemming_finds_plurals_and_other_forms(shop):
    assert set(found("prompts")[0]) == {"guide-du-prompt", "prompt-handbook"}
    assert "guide-du-prompt" in found("guides")[0]
    assert sorted(found("crédit")[0]) == ["pack-etudiant", "pack-pro"]


TYPOS = [("promt", "prompt", "guide-du-prompt"), ("handbok", "handbook", "prompt-handbook"), ("banière", "banniere", "banniere")]


@requires_postgres
@pytest.mark.parametrize(("typo", "meant", "slug"), TYPOS)
def test_a_typo_is_corrected_and_said(shop, typo, meant, slug):
    slugs, corrected = found(typo)
    assert corrected == [meant] and slug in slugs


@requires_postgres
def test_a_query_with_nothing_close_stays_empty(shop):
    assert found("zzzqqq") == ([], None)


def test_the_shop_page_and_the_api_search_and_say_the_correction(client, api_client, shop):
    page = client.get("/shop/?search=etudiant").content.decode()
    assert "Pack Étudiant 250 crédits" in page and "Pack 500 crédits" not in page
    body = api_client.get("/api/v1/catalog/products/?search=PACK CREDITS").json()
    assert sorted(p["slug"] for p in body["results"]) == ["pack-etudiant", "pack-pro"]
    assert client.get("/shop/?search=" + "a" * 500).status_code == 200
    assert api_client.get("/api/v1/catalog/products/?search=" + "a" * 500).status_code == 400


@requires_postgres
def test_the_shop_page_says_which_correction_it_shows(client, shop):
    page = client.get("/shop/?search=promt").content.decode()
    assert "Le guide du prompt" in page
    assert "Nothing matches “promt”: here are the results for “prompt”." in page
