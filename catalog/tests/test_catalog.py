"""Shop home, catalog page and products API: search, filters, sort and pagination together."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog.tests.factories import CategoryFactory, ProductFactory, ServiceProductFactory
from conftest import requires_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    """15 ebooks (1.00 .. 15.00 EUR) in a category and its sub-category, and products around them."""
    books = CategoryFactory(name="Books", slug="books")
    fiction = CategoryFactory(name="Fiction", slug="fiction", parent=books)
    music = CategoryFactory(name="Music", slug="music")
    for i in range(1, 16):
        category = fiction if i % 2 else books
        ProductFactory(name=f"Ebook number {i}", slug=f"ebook-{i}", category=category, eur=i * 100, popularity=i)
    ProductFactory(name="Ebook in music", slug="ebook-music", category=music, eur=500)
    ProductFactory(name="Song pack", slug="song-pack", category=books, eur=700)
    ProductFactory(name="Hidden ebook", slug="hidden", category=books, eur=700, is_active=False)
    ProductFactory(name="Ebook sold in XOF only", slug="xof-only", category=books, eur=False)
    return books


def test_search_category_price_sort_and_page_combined_in_the_api(api_client, shelf):
    params = {"search": "ebook", "category": "books", "min_price": "3", "max_price": "12.00", "ordering": "-price"}
    params.update(page=2, page_size=4)
    response = api_client.get("/api/v1/catalog/products/", params)
    assert response.status_code == 200
    body = response.json()
    # ebooks 3..12 of the category tree (sub-category included), dearest first: 12 11 10 9 | 8 7 6 5 | 4 3
    assert body["count"] == 10
    assert [p["slug"] for p in body["results"]] == ["ebook-8", "ebook-7", "ebook-6", "ebook-5"]
    assert body["results"][0]["price"] == {"amount": 800, "currency": "EUR"}
    assert "ordering=-price" in body["next"] and "search=ebook" in body["next"] and "min_price=3" in body["next"]


def test_the_page_combines_the_same_filters_and_keeps_them_in_the_pagination_links(client, shelf):
    response = client.get(reverse("catalog:catalog"), {"search": "ebook", "category": "books", "ordering": "price", "page": 2})
    assert response.status_code == 200
    assert [p.slug for p in response.context["products"]] == ["ebook-13", "ebook-14", "ebook-15"]
    assert response.context["page"].paginator.count == 15
    html = response.content.decode()
    assert "search=ebook&amp;category=books&amp;ordering=price&amp;page=1" in html
    assert 'hx-push-url="true"' in html


def test_a_subcategory_filter_narrows_and_sorting_by_popularity_and_newest(api_client, shelf):
    fiction = api_client.get("/api/v1/catalog/products/", {"category": "fiction", "ordering": "-popularity"}).json()
    assert [p["slug"] for p in fiction["results"]][:3] == ["ebook-15", "ebook-13", "ebook-11"]
    assert fiction["count"] == 8
    newest = api_client.get("/api/v1/catalog/products/", {"ordering": "-created_at"}).json()
    assert newest["results"][0]["slug"] == "song-pack"


def test_htmx_requests_get_only_the_results(client, shelf):
    response = client.get(reverse("catalog:catalog"), {"search": "song"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "Song pack" in html and "Ebook number" not in html


def test_no_result_page_helps(client, shelf):
    response = client.get(reverse("catalog:catalog"), {"search": "zeppelin"})
    assert "No product matches these filters" in response.content.decode()
    assert "Show everything" in response.content.decode()


@pytest.mark.parametrize(
    "params, field",
    [
        ({"category": "no-such"}, "category"),
        ({"min_price": "abc"}, "min_price"),
        ({"min_price": "-1"}, "min_price"),
        ({"min_price": "1.005"}, "min_price"),
        ({"min_price": "20", "max_price": "10"}, "max_price"),
        ({"ordering": "name"}, "ordering"),
    ],
)
def test_bad_filters_are_a_clear_error(api_client, client, shelf, params, field):
    response = api_client.get("/api/v1/catalog/products/", params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    page = client.get(reverse("catalog:catalog"), params)
    assert page.status_code == 200
    assert "Some filters could not be used" in page.content.decode()


def test_xof_prices_have_no_decimals(api_client, shelf):
    params = {"currency": "XOF", "max_price": "6500", "search": "ebook number 1"}
    body = api_client.get("/api/v1/catalog/products/", params).json()
    assert body["results"][0]["price"] == {"amount": 6500, "currency": "XOF"}
    assert api_client.get("/api/v1/catalog/products/", {"currency": "XOF", "min_price": "6500.5"}).status_code == 400


def test_signed_in_users_see_their_organizations_currency(auth_api, other_user, shelf):
    assert auth_api.get("/api/v1/catalog/products/", {"currency": "XOF"}).json()["results"][0]["price"]["currency"] == "EUR"


def test_product_detail_and_unknown_or_inactive_products(client, api_client, shelf):
    assert client.get(reverse("catalog:product_detail", args=["ebook-3"])).status_code == 200
    assert client.get(reverse("catalog:product_detail", args=["hidden"])).status_code == 404
    assert api_client.get("/api/v1/catalog/products/ebook-3/").json()["category"]["slug"] == "fiction"
    assert api_client.get("/api/v1/catalog/products/hidden/").status_code == 404
    assert api_client.get("/api/v1/catalog/products/xof-only/").status_code == 404


def test_categories_endpoint(api_client, shelf):
    body = api_client.get("/api/v1/catalog/categories/").json()
    assert {c["slug"]: c["parent"] for c in body["results"]} == {"books": None, "fiction": "books", "music": None}


def test_home_shows_featured_products_and_categories(client, shelf):
    ProductFactory(name="Star pack", is_featured=True, category=shelf)
    html = client.get("/").content.decode()
    assert "Star pack" in html and "Books" in html and "Ebook number 2" not in html


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_and_the_endpoint_keep_a_fixed_number_of_queries(client, api_client, django_assert_max_num_queries, count):
    parent = CategoryFactory()
    CategoryFactory(parent=parent)
    ProductFactory.create_batch(count, category=parent)
    with django_assert_max_num_queries(4):  # categories + their children, count, page
        client.get(reverse("catalog:catalog"), {"search": "product", "min_price": "1", "ordering": "price"})
    with django_assert_max_num_queries(2):  # count, page
        api_client.get("/api/v1/catalog/products/", {"search": "product", "page_size": 50})


@requires_postgres
def test_full_text_search_ignores_accents_and_ranks_names_first(api_client):
    ProductFactory(name="Pack découverte", slug="decouverte", description="Des crédits pour générer vos images.")
    ProductFactory(name="Crédits génération", slug="credits", description="Un pack.")
    ProductFactory(name="Logo", slug="logo", description="Nothing about it.")

    def found(text):
        return [p["slug"] for p in api_client.get("/api/v1/catalog/products/", {"search": text}).json()["results"]]

    assert found("credits") == ["credits", "decouverte"]  # in the name first, then in the description
    # Every word must match: with stemming (PostgreSQL) "générer" in a description matches "génération" too.
    assert found("crédits génération")[:1] == ["credits"] and found("crédits logo") == []
    assert found("DECOUV") == ["decouverte"]  # a word being typed matches the name


def test_visitors_switch_currency_and_it_is_remembered(client, shelf):
    page = client.get(reverse("catalog:catalog"), {"search": "song"})
    assert "currency=XOF" in page.content.decode()
    client.get(reverse("catalog:catalog"), {"currency": "XOF"})
    products = client.get(reverse("catalog:catalog"), {"search": "ebook number 1", "ordering": "price"}).context["products"]
    assert (products[0].slug, products[0].price) == ("ebook-1", 6500)


@pytest.mark.parametrize("count", [2, 12])
def test_home_keeps_a_fixed_number_of_queries(client, django_assert_max_num_queries, count):
    parent = CategoryFactory()
    CategoryFactory(parent=parent)
    ProductFactory.create_batch(count, category=parent, is_featured=True)
    with django_assert_max_num_queries(3):  # featured products, categories and their children
        assert client.get("/").status_code == 200


def test_a_service_page_asks_for_the_brief(client):
    ServiceProductFactory(slug="ebook-20")
    assert "Your brief" in client.get(reverse("catalog:product_detail", args=["ebook-20"])).content.decode()


def test_categories_go_one_level_deep():
    top = CategoryFactory()
    child = CategoryFactory(parent=top)
    with pytest.raises(ValidationError):
        CategoryFactory.build(parent=child).full_clean()
    top.parent = CategoryFactory()
    with pytest.raises(ValidationError):
        top.full_clean()


@pytest.mark.parametrize(
    "language, expected, absent",
    [
        ("fr", ["Les plus populaires", "Prix croissant", "1 produit", "prix en EUR, hors TVA"], "Most popular"),
        ("en", ["Most popular", "Price: low to high", "1 product", "prices in EUR, VAT excluded"], "Les plus populaires"),
    ],
)
def test_the_shop_speaks_the_visitors_language_down_to_its_sort_and_result_bar(client, language, expected, absent):
    ProductFactory(slug="pack")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    page = client.get(reverse("catalog:catalog")).content.decode()
    assert all(text in page for text in expected) and absent not in page
    empty = client.get(reverse("catalog:catalog"), {"search": "zzzzqqqq"}).content.decode()
    assert ("Aucun produit ne correspond" if language == "fr" else "No product matches") in empty
