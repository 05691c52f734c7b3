"""Writing articles, by the service the admin and the API share: Markdown made safe, slugs unique
per language, dates consistent with the status, scheduled publishing by the periodic task."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from blog import services
from blog.models import Article
from blog.rendering import render_markdown
from blog.tests.factories import ArticleFactory
from core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield

XSS = [
    ("<script>alert(1)</script>Hello", "alert"),
    ('<img src="x" onerror="alert(1)">', "onerror"),
    ("[click](javascript:alert(1))", "javascript:"),
    ('<a href="https://ok.test" onclick="steal()">x</a>', "onclick"),
    ("<iframe src=https://evil.test></iframe>", "iframe"),
    ("<svg><script>alert(1)</script></svg>", "<svg"),
    ("![x](javascript:alert(1))", "javascript:"),
    ("<style>body{display:none}</style>", "display:none"),
]


@pytest.mark.parametrize(("payload", "forbidden"), XSS)
def test_unsafe_html_in_markdown_is_stripped(payload, forbidden):
    html = render_markdown(payload)
    assert forbidden not in html
    assert "<script" not in html


def test_markdown_keeps_what_articles_need():
    html = render_markdown("## Title\n\n**bold** [link](https://webox.test) ![fox](https://img.test/fox.png)\n\n- a\n- b")
    assert "<h2>Title</h2>" in html and "<strong>bold</strong>" in html
    assert 'href="https://webox.test"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert '<img alt="fox" src="https://img.test/fox.png">' in html and "<li>a</li>" in html


def _article(**fields):
    defaults = {"language": "en", "title": "T", "slug": "t", "summary": "S", "body": "B", "status": Article.Status.DRAFT}
    return Article(**{**defaults, **fields})


def test_a_slug_already_used_in_that_language_is_a_field_error_and_saves_nothing():
    ArticleFactory(language="en", slug="taken")
    with pytest.raises(ValidationFailed) as refused:
        services.save_article(article=_article(slug="taken", body="<script>x</script>"))
    assert set(refused.value.fields) == {"slug"}
    assert Article.objects.count() == 1
    # The same slug in the other language is another URL: allowed.
    services.save_article(article=_article(slug="taken", language="fr"))
    assert Article.objects.filter(slug="taken").count() == 2


def test_a_scheduled_date_already_past_publishes_now_and_says_so(time_machine):
    time_machine.move_to("2026-06-01 10:00Z", tick=False)
    article = _article(status=Article.Status.SCHEDULED, published_at=timezone.now() - timedelta(days=2))
    notice = services.save_article(article=article)
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED and article.published_at == timezone.now()
    assert "published now" in notice


def test_publishing_with_a_future_date_schedules_and_a_schedule_needs_a_date():
    article = _article(status=Article.Status.PUBLISHED, published_at=timezone.now() + timedelta(days=1))
    assert "scheduled" in services.save_article(article=article)
    assert article.status == Article.Status.SCHEDULED and not article.is_live()
    with pytest.raises(ValidationFailed) as refused:
        services.save_article(article=_article(slug="other", status=Article.Status.SCHEDULED))
    assert set(refused.value.fields) == {"published_at"}
    published = _article(slug="now", status=Article.Status.PUBLISHED)
    assert services.save_article(article=published) is None and published.is_live()


def test_translations_are_in_another_language_once_per_language():
    original = ArticleFactory(language="fr", slug="original")
    assert services.problems(_article(translation_of=original, language="fr")) == {
        "translation_of": "A translation is in another language than its original."
    }
    english = ArticleFactory(language="en", translation_of=original)
    assert "translation_of" in services.problems(_article(slug="again", translation_of=original))
    assert "translation_of" in services.problems(_article(language="fr", slug="x", translation_of=english))


def test_a_cover_needs_its_description():
    article = _article(cover="blog/covers/fox.png")
    assert set(services.problems(article)) == {"cover_alt"}


def test_the_periodic_task_marks_due_articles_published(time_machine):
    from blog.tasks import publish_due

    time_machine.move_to("2026-06-01 08:00Z")
    due = ArticleFactory(status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(hours=1))
    later = ArticleFactory(status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(days=1))
    assert publish_due.delay().get() == 0
    time_machine.move_to("2026-06-01 09:30Z")
    assert publish_due.delay().get() == 1
    due.refresh_from_db(), later.refresh_from_db()
    assert due.status == Article.Status.PUBLISHED and later.status == Article.Status.SCHEDULED
    assert publish_due.delay().get() == 0


def test_the_demo_articles_come_in_both_languages_once():
    from blog import demo

    demo.seed(lambda line: None)
    demo.seed(lambda line: None)
    assert Article.objects.count() == 6
    assert Article.objects.live().filter(language="fr").count() == Article.objects.live().filter(language="en").count() == 2
    english = Article.objects.get(slug="writing-a-good-prompt")
    assert english.translation_of.slug == "ecrire-un-bon-prompt" and english.body_html.startswith("<h2>")
