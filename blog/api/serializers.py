import copy

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from blog import selectors, services
from blog.models import Article, Category, Tag
from catalog.models import Product

RELATIONS = ("categories", "tags", "related_products")


class BlogCategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("The name in the request's language."))

    class Meta:
        model = Category
        fields = ["slug", "name", "name_fr", "name_en", "ordering"]


class TagNamesField(serializers.ListField):
    child = serializers.CharField(max_length=60)

    def to_representation(self, tags):
        return [tag.name for tag in tags.all()]


class ArticleSerializer(serializers.ModelSerializer):
    """An article in one language. Staff write `body` in Markdown; `body_html` is what it renders
    to once sanitized. `notice` says when saving changed the status (a past scheduled date
    publishes now; a future publication date schedules)."""

    url = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    categories = serializers.SlugRelatedField(slug_field="slug", many=True, queryset=Category.objects.all(), required=False)
    tags = TagNamesField(required=False, max_length=20)
    related_products = serializers.SlugRelatedField(slug_field="slug", many=True, queryset=Product.objects.all(), required=False)
    translations = serializers.SerializerMethodField()
    notice = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id", "language", "slug", "title", "summary", "body", "body_html", "cover", "cover_alt", "author", "url",
            "categories", "tags", "related_products", "status", "published_at", "translation_of", "translations",
            "created_at", "updated_at", "notice",
        ]  # fmt: skip
        read_only_fields = ["body_html", "created_at", "updated_at"]
        validators = []  # the slug's uniqueness per language is a field error (services.problems)

    def get_url(self, article) -> str:
        return self.context["request"].build_absolute_uri(article.get_absolute_url())

    def get_author(self, article) -> str | None:
        return article.author.full_name if article.author else None

    def get_translations(self, article) -> dict[str, str]:
        """{language: slug} of the live versions of this article, itself included."""
        return {code: version.slug for code, version in selectors.translations(article).items()}

    def get_notice(self, article) -> str | None:
        return getattr(self, "notice", None)

    def validate(self, attrs):
        # The article as it would be saved, checked as the admin checks it.
        article = copy.copy(self.instance) if self.instance is not None else Article()
        for name, value in attrs.items():
            if name not in RELATIONS:
                setattr(article, name, value)
        found = services.problems(article)
        if found:
            raise serializers.ValidationError(found)
        return attrs

    def _save(self, article, validated):
        relations = {name: validated.pop(name, None) for name in RELATIONS}
        if relations["tags"] is not None:
            relations["tags"] = [Tag.objects.get_or_create(name=name.strip())[0] for name in relations["tags"] if name.strip()]
        for name, value in validated.items():
            setattr(article, name, value)
        self.notice = services.save_article(article=article, **relations)
        return article

    def create(self, validated):
        return self._save(Article(author=self.context["request"].user), validated)

    def update(self, article, validated):
        return self._save(article, validated)
