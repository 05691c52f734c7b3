"""The blog: articles in French or English, their categories and tags.

One row is one article in one language: a translation is another row pointing to the original
(`translation_of`), with its own slug, so each language has its own URL, feed and sitemap entry.
An article is visible once its status is scheduled or published and its publication date has
come (`Article.objects.live()`): a scheduled article appears at its time with nobody acting.
"""

import html

import nh3
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.search import Searchable

LANGUAGES = [("fr", _("French")), ("en", _("English"))]


class Category(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_fr = models.CharField(_("name in French"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100)
    ordering = models.PositiveIntegerField(_("ordering"), default=0, help_text=_("Smaller numbers come first."))

    class Meta:
        ordering = ["ordering", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    @property
    def name(self):
        """The name in the active language (French when the language is neither)."""
        return self.name_en if (get_language() or "").startswith("en") else self.name_fr


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name


class ArticleQuerySet(models.QuerySet):
    def live(self, now=None):
        """What visitors may read: scheduled or published, and its date has come."""
        return self.filter(
            status__in=[Article.Status.SCHEDULED, Article.Status.PUBLISHED], published_at__lte=now or timezone.now()
        )


class Article(Searchable):
    """Searchable (core.search): on PostgreSQL its vector (title A, summary B, body C, stemmed in
    the article's language) is kept by a trigger (migration 0003)."""

    SEARCH_SOURCES = {"title", "summary", "body_html"}

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")

    language = models.CharField(_("language"), max_length=2, choices=LANGUAGES)
    translation_of = models.ForeignKey(
        "self",
        verbose_name=_("translation of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        help_text=_("The original article, when this one is its translation."),
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, help_text=_("Unique among the articles of its language."))
    summary = models.TextField(
        _("summary"), max_length=500, help_text=_("One or two sentences: lists, feeds and search engines show it.")
    )
    body = models.TextField(_("body"), help_text=_("Markdown. Raw HTML is removed."))
    body_html = models.TextField(editable=False, default="", verbose_name=_("body html"))
    cover = models.ImageField(_("cover image"), upload_to="blog/covers/", blank=True)
    cover_alt = models.CharField(
        _("cover image description"),
        max_length=200,
        blank=True,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    categories = models.ManyToManyField(Category, verbose_name=_("categories"), blank=True, related_name="articles")
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="articles")
    related_products = models.ManyToManyField("catalog.Product", verbose_name=_("related products"), blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("publication date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [models.Index(fields=["language", "status", "-published_at"])]
        constraints = [
            models.UniqueConstraint(fields=["language", "slug"], name="blog_article_slug_unique_per_language"),
            models.UniqueConstraint(fields=["translation_of", "language"], name="blog_article_one_translation_per_language"),
            models.CheckConstraint(condition=Q(language__in=["fr", "en"]), name="blog_article_language_valid"),
            models.CheckConstraint(condition=Q(status__in=["draft", "scheduled", "published"]), name="blog_article_status_valid"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="blog_article_published_has_date"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.language})"

    def get_absolute_url(self):
        return reverse("blog:article", kwargs={"language": self.language, "slug": self.slug})

    def words_for_search(self):
        return f"{self.title} {self.summary} {html.unescape(nh3.clean(self.body_html, tags=set()))}"

    @classmethod
    def titles_for_suggestions(cls):
        return cls.objects.live().values_list("title", flat=True)

    def is_live(self, now=None):
        return self.status != self.Status.DRAFT and self.published_at is not None and self.published_at <= (now or timezone.now())
