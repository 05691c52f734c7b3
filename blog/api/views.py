"""The blog API: anyone reads live articles and categories; staff holding the blog's permissions
(the same ones the admin checks) write them, and also read drafts and scheduled articles."""

import django_filters
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from rest_framework import generics
from rest_framework.permissions import DjangoModelPermissions

from blog import selectors
from blog.api import serializers
from blog.models import LANGUAGES, Article, Category
from core.permissions import StaffWith2FA


class StaffWritePermissions(DjangoModelPermissions):
    """Reading is open; writing needs a staff account that passed the second factor (as on every
    staff surface, core.permissions) with the model's add/change/delete permission."""

    def has_permission(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return StaffWith2FA().has_permission(request, view) and super().has_permission(request, view)


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


class ArticleList(ArticleMixin, generics.ListCreateAPIView):
    """Live articles, newest first (staff with the blog's permissions see every status)."""

    filterset_class = ArticleFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]


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


class CategoryList(CategoryMixin, generics.ListCreateAPIView):
    filter_backends = []


class CategoryDetail(CategoryMixin, generics.RetrieveUpdateDestroyAPIView):
    lookup_field = "slug"
