"""Staff write in Django Admin: the same checks as the API, a preview link, the notices said."""

from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import Article
from blog.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def _form(**fields):
    return {
        "language": "en", "title": "Hello", "slug": "hello", "summary": "S", "body": "**B** <script>x</script>",
        "status": "draft", "published_at_0": "", "published_at_1": "", "cover_alt": "", "_save": "Save", **fields,
    }  # fmt: skip


def test_an_editor_writes_a_scheduled_article_whose_date_is_past(admin_client):
    past = timezone.now() - timedelta(days=1)
    response = admin_client.post(
        "/admin/blog/article/add/",
        _form(status="scheduled", published_at_0=past.strftime("%d/%m/%Y"), published_at_1=past.strftime("%H:%M:%S")),
        follow=True,
    )
    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED and article.is_live()
    assert "<script>" not in article.body_html and "<strong>B</strong>" in article.body_html
    assert "published now" in response.content.decode()
    change = admin_client.get(f"/admin/blog/article/{article.pk}/change/").content.decode()
    assert f"/blog/preview/{article.pk}/" in change


def test_a_slug_used_in_that_language_is_a_field_error_in_the_admin(admin_client):
    ArticleFactory(slug="hello", language="en")
    response = admin_client.post("/admin/blog/article/add/", _form())
    assert response.status_code == 200
    assert "Another article in this language already uses this slug." in response.context["adminform"].form.errors["slug"]
    assert Article.objects.count() == 1


def test_the_article_list_in_the_admin(admin_client):
    ArticleFactory.create_batch(3)
    assert admin_client.get("/admin/blog/article/").status_code == 200
    assert admin_client.get("/admin/blog/category/").status_code == 200
