"""The visitor cache's version moves whenever a product, a price or a category is written, whoever
writes it (services, admin, factories). Price columns are kept by database triggers (migration
catalog 0007)."""

from django.db.models.signals import post_delete, post_save

from catalog import cache
from catalog.models import Category, Product, ProductPrice


def connect():
    for model in (Product, ProductPrice, Category):
        post_save.connect(cache.changed, sender=model, dispatch_uid=f"catalog.cache.{model.__name__}.saved")
        post_delete.connect(cache.changed, sender=model, dispatch_uid=f"catalog.cache.{model.__name__}.deleted")
