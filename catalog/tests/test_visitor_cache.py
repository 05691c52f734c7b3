"""The shop's speed work: price columns kept equal to the prices, the visitor cache (shared by
everyone asking the same thing, rebuilt after any catalog change), and query counts pinned for
visitors and signed-in members, with a cold and a warm cache."""

import pytest
from django.test import Client
from django.urls import reverse

from catalog import services
from catalog.models import Product, ProductPrice
from catalog.tests.factories import CategoryFactory, ProductFactory
from conftest import ENGLISH_BROWSER

pytestmark = pytest.mark.django_db


def columns(product):
    return tuple(Product.objects.filter(pk=product.pk).values_list("price_eur", "price_xof").get())


def test_price_columns_follow_every_write_of_the_prices():
    pack = ProductFactory(eur=1000, xof=6500)
    assert columns(pack) == (1000, 6500)
    ProductPrice.objects.filter(product=pack, currency="EUR").update(amount=1200)  # bulk: no signal, no save()
    assert columns(pack) == (1200, 6500)
    ProductPrice.objects.filter(product=pack, currency="XOF").delete()
    assert columns(pack) == (1200, None)
    ProductPrice.objects.filter(product=pack).update(currency="XOF")  # a price moved to the other currency
    assert columns(pack) == (None, 1200)
    ProductPrice.objects.bulk_create([ProductPrice(product=pack, currency="EUR", amount=990)])
    assert columns(pack) == (990, 1200)


def test_a_product_without_a_price_in_the_currency_is_not_listed(client):
    ProductFactory(name="Euro only", xof=False)
    ProductFactory(name="Both")
    assert "Euro only" in client.get(reverse("catalog:catalog")).content.decode()
    assert "Euro only" not in client.get(reverse("catalog:catalog"), {"currency": "XOF"}).content.decode()


@pytest.fixture
def pack():
    return ProductFactory(name="Starter pack", slug="starter", eur=1000, category=CategoryFactory(name="Packs"))


def shop(client, **params):
    return client.get(reverse("catalog:catalog"), params).content.decode()


def api(client, **params):
    return client.get("/api/v1/catalog/products/", params).json()


def test_visitors_share_one_cached_page_and_every_catalog_change_shows_at_once(client, pack, django_assert_num_queries):
    assert "Starter pack" in shop(client)
    with django_assert_num_queries(0):  # another visitor, same question: nothing read from the database
        assert "Starter pack" in shop(Client(**ENGLISH_BROWSER))
    pack.name = "Starter bundle"
    pack.save()  # as the admin does
    assert "Starter bundle" in shop(client)
    ProductPrice.objects.filter(product=pack, currency="EUR").update(amount=1500)
    services.withdraw(products=Product.objects.none())  # code that writes in bulk says so
    assert "15.00" in shop(client) or "15,00" in shop(client)
    services.withdraw(products=Product.objects.filter(pk=pack.pk))
    assert "Starter bundle" not in shop(client)


def test_the_api_cache_is_per_currency_and_invalidated_by_changes(api_client, pack):
    assert api(api_client)["results"][0]["price"] == {"amount": 1000, "currency": "EUR"}
    assert api(api_client, currency="XOF")["results"][0]["price"] == {"amount": 6500, "currency": "XOF"}
    ProductFactory(name="New pack", slug="new-pack", popularity=10)
    assert [p["slug"] for p in api(api_client)["results"]] == ["new-pack", "starter"]


def test_a_refused_filter_is_never_cached(api_client, pack):
    assert api_client.get("/api/v1/catalog/products/", {"min_price": "1.001"}).status_code == 400
    assert api_client.get("/api/v1/catalog/products/", {"min_price": "1.001"}).status_code == 400


def test_a_cached_page_carries_each_visitors_own_csrf_token(pack):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(reverse("catalog:catalog"))
    html = shop(second)  # served from the cache built for `first`
    token = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = second.post(reverse("catalog:cart_add"), {"product": "starter", "quantity": 1, "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response.url == reverse("catalog:cart")


def test_members_do_not_get_the_visitors_page(client_user, pack):
    html = shop(client_user)
    assert "Your orders" in html and "Prices in" not in html
    assert "Prices in" in shop(Client(**ENGLISH_BROWSER)) and "Your orders" not in shop(Client(**ENGLISH_BROWSER))


def test_the_htmx_update_of_the_results_is_cached_apart_from_the_page(client, pack):
    partial = client.get(reverse("catalog:catalog"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results").content.decode()
    assert partial.startswith('<section id="results"') and "<html" not in partial
    assert "<html" in shop(client)


LIST_PAGES = [
    (lambda: reverse("catalog:catalog"), {}),
    (lambda: reverse("catalog:catalog"), {"search": "pack", "min_price": "1", "category": "packs", "ordering": "price"}),
    (lambda: "/", {}),
    (lambda: "/api/v1/catalog/products/", {}),
    (lambda: "/api/v1/catalog/products/", {"search": "pack", "ordering": "-price", "max_price": "50"}),
    (lambda: "/api/v1/catalog/categories/", {}),
]


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("url,params", LIST_PAGES)
def test_list_pages_keep_a_fixed_number_of_queries_for_visitors(client, django_assert_max_num_queries, count, url, params):
    CategoryFactory(name="Sub", parent=CategoryFactory(name="Packs", slug="packs"))
    ProductFactory.create_batch(count, name="Pack")
    with django_assert_max_num_queries(3):  # cold: categories, count and page (the home: categories, featured)
        assert client.get(url(), params).status_code == 200
    with django_assert_max_num_queries(0):  # warm
        assert client.get(url(), params).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("url,params", LIST_PAGES)
def test_list_pages_stay_within_eight_queries_for_members(client_user, django_assert_max_num_queries, count, url, params):
    """User, organizations (resolved once), unread notifications, billing banner (the session is
    read from the cache); the page's own reads come from the visitor cache once warm."""
    CategoryFactory(name="Sub", parent=CategoryFactory(name="Packs", slug="packs"))
    ProductFactory.create_batch(count, name="Pack")
    with django_assert_max_num_queries(7):
        assert client_user.get(url(), params).status_code == 200
    with django_assert_max_num_queries(4):
        assert client_user.get(url(), params).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_the_products_api_with_a_token_stays_within_its_queries(auth_api, django_assert_max_num_queries, count):
    ProductFactory.create_batch(count)
    with django_assert_max_num_queries(4):  # user, organizations, count, page
        assert auth_api.get("/api/v1/catalog/products/").status_code == 200
    with django_assert_max_num_queries(2):
        assert auth_api.get("/api/v1/catalog/products/").status_code == 200


def test_saving_a_product_loaded_before_a_price_change_keeps_the_new_price():
    pack = ProductFactory(eur=1000)
    stale = Product.objects.get(pk=pack.pk)
    ProductPrice.objects.filter(product=pack, currency="EUR").update(amount=2000)
    stale.name = "Renamed"
    stale.save()
    assert columns(pack) == (2000, 6500)


def _visitor(language="en"):
    return Client(HTTP_ACCEPT_LANGUAGE=language)


def test_a_visitor_with_nothing_of_their_own_gets_the_whole_page_from_the_cache(pack):
    assert "Starter pack" in shop(_visitor())
    response = _visitor().get(reverse("catalog:catalog"))
    assert response.templates == [] and "Starter pack" in response.content.decode()  # no template rendered
    for path in (reverse("catalog:catalog"), "/"):
        _visitor().get(path)
        assert _visitor().get(path).templates == []


def test_the_whole_page_cache_keeps_languages_and_currencies_apart(pack):
    english, french = shop(_visitor("en")), shop(_visitor("fr"))
    assert '<html lang="en">' in english and "Log in" in english
    assert '<html lang="fr">' in french and "Se connecter" in french
    assert '<html lang="en">' in shop(_visitor("en"))
    assert '<html lang="fr">' in shop(_visitor("fr"))
    euros, francs = shop(_visitor()), shop(_visitor(), currency="XOF")
    assert "€" in euros and "6,500" in francs and "6,500" not in euros
    assert "6,500" not in shop(_visitor()) and "6,500" in shop(_visitor(), currency="XOF")


def test_the_language_switcher_sends_each_visitor_back_to_the_page_they_asked(pack):
    assert 'name="next" value="/shop/?ordering=price"' in shop(_visitor(), ordering="price")
    assert 'name="next" value="/shop/"' in shop(_visitor())


def test_a_catalog_change_shows_on_the_whole_cached_page_at_once(pack):
    assert "Starter pack" in shop(_visitor())
    pack.name = "Starter bundle"
    pack.save()
    assert "Starter bundle" in shop(_visitor()) and "Starter pack" not in shop(_visitor())


def _token(html):
    return html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]


def test_each_response_of_the_cached_page_carries_a_valid_token_of_its_own(pack):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_html, second_html = shop(first), shop(second)
    assert second.get(reverse("catalog:catalog")).templates == []  # served whole from the cache
    assert _token(first_html) != _token(second_html)
    assert 'hx-headers=\'{"X-CSRFToken": "' + _token(second_html) not in first_html
    response = second.post(
        reverse("accounts:set_language"), {"language": "fr", "next": "/shop/", "csrfmiddlewaretoken": _token(second_html)}
    )
    assert response.status_code == 302
    refused = second.post(
        reverse("accounts:set_language"), {"language": "fr", "next": "/shop/", "csrfmiddlewaretoken": "forged" * 8}
    )
    assert refused.status_code == 403


def test_a_visitor_with_a_cart_or_a_message_gets_their_own_page(pack):
    visitor = _visitor()
    shop(visitor)
    added = visitor.post(reverse("catalog:cart_add"), {"product": "starter", "quantity": 2}, follow=False)
    assert added.status_code == 302  # the message "… is in your cart." waits for the next page
    html = shop(visitor)
    assert "Starter pack is in your cart." in html and "data-cart-count>2<" in html
    assert "data-cart-count>2<" in shop(visitor) and "is in your cart." not in shop(visitor)
    assert "data-cart-count" not in shop(_visitor())
