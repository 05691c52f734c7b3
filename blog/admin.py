"""Staff write articles here: Markdown with a preview of the rendered page, scheduled publishing,
translations linked to their original. Saving goes through the same checks as the API."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from blog import services
from blog.models import Article, Category, Tag


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name_fr", "name_en", "slug", "ordering"]
    search_fields = ["name_fr", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "language", "translation_of", "title", "slug", "summary", "body", "cover", "cover_alt",
            "status", "published_at", "author", "categories", "tags", "related_products",
        ]  # fmt: skip

    def _post_clean(self):
        super()._post_clean()
        for field, message in services.problems(self.instance).items():
            self.add_error(field if field in self.fields else None, message)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = ["title", "language", "status", "published_at", "live", "author", "updated_at"]
    list_filter = ["language", "status", "categories"]
    search_fields = ["title", "slug", "summary"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["translation_of", "author", "categories", "tags", "related_products"]
    readonly_fields = ["preview_link", "created_at", "updated_at"]
    list_select_related = ["author"]
    fieldsets = [
        (None, {"fields": ["language", "translation_of", "title", "slug", "summary", "body", "preview_link"]}),
        (_("Cover"), {"fields": ["cover", "cover_alt"]}),
        (_("Publication"), {"fields": ["status", "published_at", "author", "created_at", "updated_at"]}),
        (_("Links"), {"fields": ["categories", "tags", "related_products"]}),
    ]

    @admin.display(boolean=True, description=_("Visible"))
    def live(self, article):
        return article.is_live()

    @admin.display(description=_("Preview"))
    def preview_link(self, article):
        if not article.pk:
            return _("Save the article to preview it.")
        return format_html(
            '<a href="{}" target="_blank">{}</a>', reverse("blog:preview", args=[article.pk]), _("Open the preview")
        )

    def get_changeform_initial_data(self, request):
        return {**super().get_changeform_initial_data(request), "author": request.user.pk}

    def save_model(self, request, obj, form, change):
        notice = services.prepare(obj)
        super().save_model(request, obj, form, change)
        if notice:
            messages.warning(request, notice)
