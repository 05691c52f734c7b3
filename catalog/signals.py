"""The visitor cache's version moves whenever a product, a price or a category is written, whoever
writes it (services, admin, factories). Price columns are kept by database triggers (migration
catalog 0007). A category's products get its new name in their search words. The cart filled before logging in
joins the user's cart."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save

from accounts.selectors import resolve_organization
from catalog import cache
from catalog.models import Category, Product, ProductPrice
from catalog.services import merge_session_cart


def refresh_search_text(sender, instance, **kwargs):
    """A category's name is part of its products' search words (core.search)."""
    products = list(Product.objects.filter(category=instance))
    for product in products:
        product.category = instance
        product.refresh_search_text()
    Product.objects.bulk_update(products, ["search_text"], batch_size=1000)


def merge_cart_at_login(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    merge_session_cart(request=request, user=user, organization=resolve_organization(request, user))


def connect():
    user_logged_in.connect(merge_cart_at_login, dispatch_uid="catalog.merge_cart_at_login")
    post_save.connect(refresh_search_text, sender=Category, dispatch_uid="catalog.search.category_saved")
    for model in (Product, ProductPrice, Category):
        post_save.connect(cache.changed, sender=model, dispatch_uid=f"catalog.cache.{model.__name__}.saved")
        post_delete.connect(cache.changed, sender=model, dispatch_uid=f"catalog.cache.{model.__name__}.deleted")
