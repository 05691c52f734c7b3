"""The blog API: anyone reads live articles and categories; staff holding the blog's permissions
(the same ones the admin checks) write them, and also read drafts and scheduled articles."""

import django_filters
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions

from blog import selectors
from blog.api import serializers
from blog.models import LANGUAGES, Article, Category
from core.permissions import StaffWith2FA


class StaffWritePermissions(DjangoModelPermissions):
    """Reading is open; writing needs a staff account that passed the second factor (as on every
    staff surface, core.permissions) with the model's add/change/delete permission. The schema
    reads `anonymous_methods` (core.api.schema.AutoSchema) and `staff_writes` says the rest."""

    anonymous_methods = SAFE_METHODS

    def has_permission(self, request, view):
        if request.method in self.anonymous_methods:
            return True
        return StaffWith2FA().has_permission(request, view) and super().has_permission(request, view)


WRITE_ACTIONS = {"post": "add", "put": "change", "patch": "change", "delete": "delete"}


def staff_writes(model):
    """The schema's description of each write a view offers: who may (what StaffWritePermissions checks)."""

    def decorate(view):
        notes = {
            method: extend_schema(
                description=f"Staff only: an active staff account that passed two-factor authentication and holds "
                f"the `blog.{action}_{model}` permission (the Content editors role)."
            )
            for method, action in WRITE_ACTIONS.items()
            if hasattr(view, method)
        }
        return extend_schema_view(**notes)(view)

    return decorate


class ArticleFilter(django_filters.FilterSet):
    language = django_filters.ChoiceFilter(choices=LANGUAGES)
    category = django_filters.CharFilter(field_name="categories__slug", help_text="A category slug.")
    tag = django_filters.CharFilter(field_name="tags__name", help_text="A tag name.")
    status = django_filters.ChoiceFilter(choices=Article.Status.choices, help_text="Staff only: visitors see live articles.")

    class Meta:
        model = Article
        fields = ["language", "category", "tag", "status"]


class ArticleMixin:
    serializer_class = serializers.ArticleSerializer
    permission_classes = [StaffWritePermissions]

    def get_queryset(self):
        user = self.request.user
        articles = Article.objects.all() if user.is_staff and user.has_perm("blog.view_article") else Article.objects.live()
        return articles.select_related("author").prefetch_related("categories", "tags", "related_products")


@staff_writes("article")
class ArticleList(ArticleMixin, generics.ListCreateAPIView):
    """Live articles, newest first (staff with the blog's permissions see every status)."""

    filterset_class = ArticleFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]


@staff_writes("article")
class ArticleDetail(ArticleMixin, generics.RetrieveUpdateDestroyAPIView):
    """An article by its slug; slugs are unique per language, so `?language=` picks one when both
    languages use the same slug (else the request's language comes first)."""

    def get_object(self):
        articles = self.get_queryset().filter(slug=self.kwargs["slug"])
        if self.request.query_params.get("language"):
            articles = articles.filter(language=self.request.query_params["language"])
        preferred = Case(
            When(language=selectors.current_language(), then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        article = articles.order_by(preferred, "pk").first()
        if article is None:
            raise Http404("No such article.")
        self.check_object_permissions(self.request, article)
        return article


class CategoryMixin:
    serializer_class = serializers.BlogCategorySerializer
    permission_classes = [StaffWritePermissions]
    queryset = Category.objects.all()


@staff_writes("category")
class CategoryList(CategoryMixin, generics.ListCreateAPIView):
    filter_backends = []


@staff_writes("category")
class CategoryDetail(CategoryMixin, generics.RetrieveUpdateDestroyAPIView):
    lookup_field = "slug"
