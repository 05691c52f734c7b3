from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from blog.models import Article, Category


class ArticleSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Article.objects.live().order_by("pk")

    def lastmod(self, article):
        return article.updated_at


class BlogCategorySitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Category.objects.order_by("pk")

    def location(self, category):
        return f"{reverse('blog:list')}?category={category.slug}"
