from datetime import timedelta

import factory
from django.utils import timezone

from blog.models import Article, Category
from blog.rendering import render_markdown


class BlogCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name_fr = factory.Sequence(lambda n: f"Sujet {n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published English article, dated yesterday (status= and published_at= to change that)."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    language = "en"
    title = factory.Sequence(lambda n: f"Article {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    summary = "What this article is about."
    body = "Some **Markdown**."
    body_html = factory.LazyAttribute(lambda article: render_markdown(article.body))
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))

    @factory.post_generation
    def categories(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.categories.set(extracted)
