from decimal import Decimal

import factory
from django.core.files.base import ContentFile

from catalog.models import Category, Product, ProductPrice


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    """A credit pack by default, priced 10.00 EUR and 6 500 XOF (override with eur=/xof=, None for no price)."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "A product for tests."
    category = factory.SubFactory(CategoryFactory)
    kind = Product.Kind.CREDITS
    credits = 100
    vat_rate = Decimal("20.00")

    @factory.post_generation
    def eur(obj, create, extracted, **kwargs):
        amount = 1000 if extracted is None else extracted
        if create and amount is not False:
            ProductPrice.objects.create(product=obj, currency="EUR", amount=amount)

    @factory.post_generation
    def xof(obj, create, extracted, **kwargs):
        amount = 6500 if extracted is None else extracted
        if create and amount is not False:
            ProductPrice.objects.create(product=obj, currency="XOF", amount=amount)


class DigitalProductFactory(ProductFactory):
    kind = Product.Kind.DIGITAL
    credits = None
    download = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4 the guide", name="guide.pdf"))


class ServiceProductFactory(ProductFactory):
    kind = Product.Kind.SERVICE
    credits = None
    job_kind = "ebook"
    job_provider = "offline"
    job_model = "offline-press"
    job_prompt = "An ebook about bees"
    job_params = factory.LazyFunction(lambda: {"title": "Bees", "chapters": ["Hives", "Honey"], "pages": 20})
