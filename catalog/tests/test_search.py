"""Search that finds, on both databases: accents and case never matter, every word counts, names
rank above descriptions, typos are corrected ("promt": by trigrams on PostgreSQL, by difflib over
the titles' words on SQLite); on PostgreSQL stemming ("prompts") too."""

import pytest
from django.conf import settings

from catalog import selectors
from catalog.models import Category
from catalog.tests.factories import CategoryFactory, ProductFactory
from conftest import requires_postgres

requires_sqlite = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="the embedded default's vocabulary (PostgreSQL corrects from search_word, kept by triggers)",
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    packs = CategoryFactory(name="Crédits IA", slug="credits")
    guides = CategoryFactory(name="Ebooks & guides", slug="guides")
    design = CategoryFactory(name="Images & design", slug="design")
    return {
        "student": ProductFactory(name="Pack Étudiant 250 crédits", slug="pack-etudiant", category=packs),
        "pro": ProductFactory(name="Pack 500 crédits", slug="pack-pro", category=packs, description="Pour les pros."),
        "guide": ProductFactory(
            name="Le guide du prompt", slug="guide-du-prompt", category=guides, description="Écrire des prompts qui marchent."
        ),  # fmt: skip
        "handbook": ProductFactory(name="Prompt engineering handbook", slug="prompt-handbook", category=guides),
        "banner": ProductFactory(name="Bannière web animée", slug="banniere", category=design),
        "logo": ProductFactory(name="Logo express", slug="logo-express", category=design),
        "kit": ProductFactory(name="Kit de marque", slug="kit", category=design, description="Un logo, une palette."),
    }


def found(text):
    return [p.slug for p in selectors.search(selectors.products(currency="EUR"), text).order_by("-rank", "name", "pk")]


@pytest.mark.parametrize("text", ["etudiant", "Étudiant", "ETUDIANT", "étudiant", "  Etudiant!  "])
def test_accents_and_case_do_not_matter(shop, text):
    assert found(text) == ["pack-etudiant"]


def test_every_word_must_match_whatever_its_accents(shop):
    assert sorted(found("pack credits")) == ["pack-etudiant", "pack-pro"]
    assert found("pack credits etudiant") == ["pack-etudiant"]
    assert found("banniere") == ["banniere"]
    assert found("BANNIÈRE ANIMEE") == ["banniere"]


def test_a_word_in_the_name_ranks_above_one_in_the_description(shop):
    assert found("logo") == ["logo-express", "kit"]


def test_a_word_being_typed_already_finds(shop):
    assert "prompt-handbook" in found("handb")


@pytest.mark.parametrize("text", ["", "   ", "!!!", "&|!():*'\"\\", "a" * 500, "drop table; --", "é" * 300])
def test_odd_queries_never_fail(shop, text):
    assert isinstance(found(text), list)
    assert selectors.corrected_search(text) is None


def test_the_search_follows_renames(shop):
    shop["logo"].name = "Monogramme express"
    shop["logo"].save()
    assert found("monogramme") == ["logo-express"]
    design = Category.objects.get(slug="design")
    design.name = "Identité visuelle"
    design.save()
    assert set(found("identite")) == {"banniere", "logo-express", "kit"}


@requires_postgres
def test_stemming_finds_plurals_and_other_forms(shop):
    assert set(found("prompts")) == {"guide-du-prompt", "prompt-handbook"}
    assert "guide-du-prompt" in found("guides")
    assert sorted(found("crédit")) == ["pack-etudiant", "pack-pro"]


TYPOS = [("promt", "prompt", "guide-du-prompt"), ("handbok", "handbook", "prompt-handbook"), ("banière", "banniere", "banniere")]


@pytest.mark.parametrize(("typo", "meant", "slug"), TYPOS)
def test_a_typo_is_corrected(shop, typo, meant, slug):
    assert found(typo) == [] and selectors.corrected_search(typo) == meant and slug in found(meant)


def test_only_the_misspelt_words_are_corrected(shop):
    assert selectors.corrected_search("guide promt") == "guide prompt"
    assert selectors.corrected_search("promt 250") == "prompt 250"


@requires_postgres
def test_postgres_corrects_to_any_word_a_row_holds(shop):
    """search_word holds every word of the searchable text (descriptions too), by its triggers."""
    assert selectors.corrected_search("palete") == "palette" and found("palette") == ["kit"]


def test_a_query_with_nothing_close_stays_empty(shop, client, api_client):
    assert found("zzzqqq") == [] and selectors.corrected_search("zzzqqq") is None
    assert "Nothing matches" not in client.get("/shop/?search=zzzqqq").content.decode()
    body = api_client.get("/api/v1/catalog/products/?search=zzzqqq").json()
    assert body["count"] == 0 and body["suggestion"] is None and body["corrected_from"] is None


@requires_sqlite
def test_words_of_withdrawn_products_are_not_suggested_on_sqlite(shop):
    """The embedded vocabulary holds the titles visitors may find, and follows saves."""
    assert selectors.corrected_search("handbok") == "handbook"
    shop["handbook"].is_active = False
    shop["handbook"].save()
    assert selectors.corrected_search("handbok") is None
    ProductFactory(name="Handbook for designers", slug="designers")
    assert selectors.corrected_search("handbok") == "handbook"


def test_the_shop_page_and_the_api_search_and_say_the_correction(client, api_client, shop):
    page = client.get("/shop/?search=etudiant").content.decode()
    assert "Pack Étudiant 250 crédits" in page and "Pack 500 crédits" not in page
    body = api_client.get("/api/v1/catalog/products/?search=PACK CREDITS").json()
    assert sorted(p["slug"] for p in body["results"]) == ["pack-etudiant", "pack-pro"]
    assert body["suggestion"] is None and body["corrected_from"] is None
    assert client.get("/shop/?search=" + "a" * 500).status_code == 200
    assert api_client.get("/api/v1/catalog/products/?search=" + "a" * 500).status_code == 400


def test_the_shop_page_and_the_api_show_the_corrected_results(client, api_client, shop):
    page = client.get("/shop/?search=promt").content.decode()
    assert "Le guide du prompt" in page
    assert "Nothing matches “promt”: here are the results for “prompt”." in page
    body = api_client.get("/api/v1/catalog/products/?search=handbok").json()
    assert [p["slug"] for p in body["results"]] == ["prompt-handbook"]
    assert body["suggestion"] == "handbook" and body["corrected_from"] == "handbok"
    # Other filters still hold on the corrected query, and nothing is said corrected.
    narrowed = api_client.get("/api/v1/catalog/products/?search=handbok&category=credits").json()
    assert narrowed["count"] == 0 and narrowed["suggestion"] is None and narrowed["corrected_from"] is None


def test_the_api_schema_documents_the_correction(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    listing = schema["paths"]["/api/v1/catalog/products/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    shape = schema["components"]["schemas"][listing["$ref"].rsplit("/", 1)[1]]
    for name in ("suggestion", "corrected_from"):
        assert shape["properties"][name]["type"] == "string" and shape["properties"][name]["nullable"] is True
        assert name in shape["required"]


@requires_postgres
def test_a_ranked_search_pages_the_name_matches_first_then_the_others(api_client):
    """core.search.CappedPaginator: pages read the name matches (by rank), then the others, the same
    order as ranking every match at once, wherever a page boundary falls."""
    for n, (name, description) in enumerate([
        ("Studio photo", "Un studio, un studio."), ("Studio son", ""), ("Mon studio vidéo", "Le studio."),
        ("Kit couleurs", "Pour le studio."), ("Kit voix", "Studio, studio et studio."), ("Kit affiche", "Un studio."),
    ]):  # fmt: skip
        ProductFactory(name=name, slug=f"p{n}", description=description)
    everything = found("studio")
    assert everything[:3] == ["p0", "p2", "p1"] and set(everything[3:]) == {"p3", "p4", "p5"}
    for size in (1, 2, 4, 5):
        pages, url = [], f"/api/v1/catalog/products/?search=studio&page_size={size}"
        while url:
            body = api_client.get(url).json()
            pages += [product["slug"] for product in body["results"]]
            url = body["next"]
        assert pages == everything, size
