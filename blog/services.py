"""Writing articles: the checks the admin and the API share, the body rendered safely, and the
publication date made consistent with the status."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blog.models import Article
from blog.rendering import render_markdown
from core.errors import ValidationFailed


def problems(article):
    """{field: message} for what cannot be saved as it is (empty when all is well)."""
    found = {}
    if Article.objects.filter(language=article.language, slug=article.slug).exclude(pk=article.pk).exists():
        found["slug"] = _("Another article in this language already uses this slug.")
    original = article.translation_of
    if original is not None:
        if original.pk == article.pk or original.translation_of_id is not None:
            found["translation_of"] = _("Choose the original article, not one of its translations.")
        elif original.language == article.language:
            found["translation_of"] = _("A translation is in another language than its original.")
        elif original.translations.filter(language=article.language).exclude(pk=article.pk).exists():
            found["translation_of"] = _("This article already has a translation in this language.")
    if article.cover and not article.cover_alt.strip():
        found["cover_alt"] = _("Describe the cover image for people who cannot see it.")
    if article.status == Article.Status.SCHEDULED and article.published_at is None:
        found["published_at"] = _("A scheduled article needs its publication date.")
    return found


def prepare(article, *, now=None):
    """Render the body and settle the date: a scheduled date already past publishes now, a
    published article dated in the future waits for its date. Returns what to tell the editor
    about such a change, or None."""
    now = now or timezone.now()
    article.body_html = render_markdown(article.body)
    if article.status == Article.Status.SCHEDULED and article.published_at <= now:
        article.status, article.published_at = Article.Status.PUBLISHED, now
        return _("The publication date was already past: the article is published now.")
    if article.status == Article.Status.PUBLISHED:
        if article.published_at is None:
            article.published_at = now
        elif article.published_at > now:
            article.status = Article.Status.SCHEDULED
            return _("The publication date is in the future: the article is scheduled and appears on that date.")
    return None


@transaction.atomic
def save_article(*, article, categories=None, tags=None, related_products=None, now=None):
    """Check, prepare and save an article (and its relations when given): returns the notice of
    prepare(). Raises ValidationFailed with per-field messages, changing nothing."""
    found = problems(article)
    if found:
        raise ValidationFailed(_("Some fields are invalid."), fields=found)
    notice = prepare(article, now=now)
    article.save()
    for name, values in (("categories", categories), ("tags", tags), ("related_products", related_products)):
        if values is not None:
            getattr(article, name).set(values)
    return notice


def publish_due(*, now=None):
    """Scheduled articles whose date has come are marked published (they are already visible:
    this keeps the status staff read right). Returns how many."""
    now = now or timezone.now()
    return Article.objects.filter(status=Article.Status.SCHEDULED, published_at__lte=now).update(
        status=Article.Status.PUBLISHED, updated_at=now
    )
