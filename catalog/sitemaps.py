from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from catalog.models import Category, Product


class ProductSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Product.objects.filter(is_active=True).exclude(price_eur__isnull=True, price_xof__isnull=True).order_by("pk")

    def location(self, product):
        return reverse("catalog:product_detail", args=[product.slug])

    def lastmod(self, product):
        return product.updated_at


class CategorySitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Category.objects.order_by("pk")

    def location(self, category):
        return f"{reverse('catalog:catalog')}?category={category.slug}"
