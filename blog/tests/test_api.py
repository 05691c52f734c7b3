"""The blog API: public reads of live articles only; staff writes under the same permissions as
the admin, with the same checks (field errors, unsafe HTML stripped, past schedule published)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory, api_with_2fa
from blog.models import Article
from blog.tests.factories import ArticleFactory, BlogCategoryFactory
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_visitors_read_live_articles_only(api_client, django_assert_max_num_queries):
    topic = BlogCategoryFactory(slug="guides")
    ArticleFactory(slug="live", categories=[topic])
    ArticleFactory(slug="vivant", language="fr")
    ArticleFactory(slug="draft", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(slug="soon", status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(days=1))

    with django_assert_max_num_queries(8):
        body = api_client.get("/api/v1/blog/articles/").json()
    assert {a["slug"] for a in body["results"]} == {"live", "vivant"} and body["count"] == 2
    assert [a["slug"] for a in api_client.get("/api/v1/blog/articles/?language=fr").json()["results"]] == ["vivant"]
    assert [a["slug"] for a in api_client.get("/api/v1/blog/articles/?category=guides").json()["results"]] == ["live"]
    live = api_client.get("/api/v1/blog/articles/live/").json()
    assert live["url"] == "http://testserver/blog/en/live/" and live["categories"] == ["guides"]
    assert api_client.get("/api/v1/blog/articles/draft/").status_code == 404
    assert api_client.get("/api/v1/blog/articles/soon/").status_code == 404
    assert api_client.get("/api/v1/blog/articles/?status=draft").json()["count"] == 0
    assert api_client.get("/api/v1/blog/categories/").json()["results"][0]["name"] == topic.name_en


def test_the_same_slug_in_both_languages_is_picked_by_language(api_client):
    ArticleFactory(slug="faq", language="fr", title="FAQ en français")
    ArticleFactory(slug="faq", language="en", title="FAQ in English")
    assert api_client.get("/api/v1/blog/articles/faq/").json()["title"] == "FAQ in English"
    assert api_client.get("/api/v1/blog/articles/faq/?language=fr").json()["title"] == "FAQ en français"


def test_only_staff_with_the_blog_permissions_write(api_client, user, editor):
    payload = {"language": "en", "slug": "new", "title": "New", "summary": "S", "body": "B", "status": "draft"}
    assert api_client.post("/api/v1/blog/articles/", payload).status_code == 401
    api_client.force_authenticate(user)
    assert api_client.post("/api/v1/blog/articles/", payload).status_code == 403
    api_client.force_authenticate(None)
    api_with_2fa(api_client, UserFactory(email="staff@example.test", is_staff=True))
    assert api_client.post("/api/v1/blog/articles/", payload).status_code == 403
    assert api_client.post("/api/v1/blog/categories/", {"slug": "x", "name_fr": "X", "name_en": "X"}).status_code == 403
    assert not Article.objects.exists()

    api_with_2fa(api_client, editor)
    created = api_client.post("/api/v1/blog/articles/", payload)
    assert created.status_code == 201, created.json()
    assert created.json()["author"] == editor.full_name and created.json()["notice"] is None
    # Staff read their draft; visitors still do not.
    assert api_client.get("/api/v1/blog/articles/new/").status_code == 200
    assert api_client.get("/api/v1/blog/articles/?status=draft").json()["count"] == 1
    assert api_client.patch("/api/v1/blog/articles/new/", {"title": "Renamed"}).json()["title"] == "Renamed"
    assert api_client.delete("/api/v1/blog/articles/new/").status_code == 204
    assert not Article.objects.exists()


def test_an_editor_writes_only_with_the_second_factor(api_client, editor):
    from rest_framework_simplejwt.tokens import RefreshToken

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(editor).access_token}")
    refused = api_client.post("/api/v1/blog/articles/", {"language": "en", "slug": "new", "title": "New", "body": "B"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "two_factor_required"
    assert not Article.objects.exists()


def test_staff_writes_get_the_admins_checks(api_client, editor):
    ArticleFactory(slug="taken", language="en")
    topic = BlogCategoryFactory(slug="guides")
    product = ProductFactory(slug="pack")
    api_with_2fa(api_client, editor)
    payload = {"language": "en", "slug": "taken", "title": "T", "summary": "S", "body": "B", "status": "draft"}

    refused = api_client.post("/api/v1/blog/articles/", payload)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "validation_error"
    assert list(refused.json()["error"]["fields"]) == ["slug"]

    past = timezone.now() - timedelta(days=3)
    created = api_client.post(
        "/api/v1/blog/articles/",
        {
            **payload,
            "slug": "fresh",
            "status": "scheduled",
            "published_at": past.isoformat(),
            "body": "Hi <script>alert(1)</script>[x](javascript:alert(1))",
            "categories": ["guides"],
            "tags": ["prompts", "ebooks"],
            "related_products": ["pack"],
        },  # fmt: skip
    ).json()
    assert created["status"] == "published" and "published now" in created["notice"]
    assert "script" not in created["body_html"] and "javascript" not in created["body_html"]
    article = Article.objects.get(slug="fresh")
    assert article.is_live() and list(article.categories.all()) == [topic] and list(article.related_products.all()) == [product]
    assert sorted(created["tags"]) == ["ebooks", "prompts"]

    refused = api_client.patch("/api/v1/blog/articles/fresh/", {"slug": "taken"})
    assert refused.status_code == 400 and list(refused.json()["error"]["fields"]) == ["slug"]
    assert api_client.patch("/api/v1/blog/articles/fresh/", {"status": "scheduled", "published_at": None}).status_code == 400
    assert Article.objects.get(pk=article.pk).slug == "fresh"


BLOG_PATHS = [f"/api/v1/blog/{kind}/{detail}" for kind in ("articles", "categories") for detail in ("", "{slug}/")]


def test_the_openapi_schema_says_who_may_read_and_write_the_blog(api_client):
    """Reads need no credentials (no 401 or 403 documented); every write needs them and names the
    staff permission StaffWritePermissions checks, as the test above proves the code does."""
    schema = api_client.get("/api/schema/?format=json").json()
    operations = {(path, method): schema["paths"][path][method] for path in BLOG_PATHS for method in schema["paths"][path]}
    reads = {key: op for key, op in operations.items() if key[1] == "get"}
    writes = {key: op for key, op in operations.items() if key[1] in ("post", "put", "patch", "delete")}
    assert len(reads) == 4 and len(writes) == 8
    for key, operation in reads.items():
        assert {} in operation["security"] and not {"401", "403"} & set(operation["responses"]), key
    for (path, method), operation in writes.items():
        assert {} not in operation["security"] and operation["security"], (path, method)
        assert {"401", "403"} <= set(operation["responses"]), (path, method)
        action = {"post": "add", "put": "change", "patch": "change", "delete": "delete"}[method]
        model = "article" if "articles" in path else "category"
        assert f"`blog.{action}_{model}` permission" in operation["description"], (path, method)
