"""Search that finds (core.search): each article's words without accents (`search_text`, written
on save and filled here) and, on PostgreSQL, a weighted tsvector kept by a trigger: title (A),
summary (B) and body (C), unaccented and stemmed in the article's language, with a GIN index; its
words join `search_word` (catalog 0008), where typos are corrected."""

import html

import nh3
from django.contrib.postgres.search import SearchVectorField
from django.db import migrations, models

from core.search import normalize

CONFIG = "(CASE NEW.language WHEN 'fr' THEN 'french' ELSE 'english' END)::regconfig"


def weighted(text, weight):
    return f"setweight(to_tsvector({CONFIG}, unaccent(coalesce({text}, ''))), '{weight}')"


POSTGRES = [
    f"""CREATE FUNCTION blog_article_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' OR NEW.search_vector IS NULL OR NEW.title IS DISTINCT FROM OLD.title
           OR NEW.summary IS DISTINCT FROM OLD.summary OR NEW.body IS DISTINCT FROM OLD.body
           OR NEW.language IS DISTINCT FROM OLD.language THEN
            NEW.search_vector := {weighted("NEW.title", "A")} || {weighted("NEW.summary", "B")} || {weighted("NEW.body", "C")};
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER blog_article_search BEFORE INSERT OR UPDATE ON blog_article
    FOR EACH ROW EXECUTE FUNCTION blog_article_search()""",
    "UPDATE blog_article SET search_vector = NULL",
    "CREATE INDEX blog_article_search_vector ON blog_article USING gin (search_vector)",
    """CREATE TRIGGER blog_article_words AFTER INSERT OR UPDATE OF search_text ON blog_article
    FOR EACH ROW EXECUTE FUNCTION search_word_add()""",
    """INSERT INTO search_word (word) SELECT DISTINCT w FROM blog_article, regexp_split_to_table(coalesce(search_text, ''), ' ') AS w
    WHERE length(w) >= 3 AND w !~ '^[0-9]+$' ON CONFLICT DO NOTHING""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS blog_article_words ON blog_article",
    "DROP INDEX IF EXISTS blog_article_search_vector",
    "DROP TRIGGER IF EXISTS blog_article_search ON blog_article",
    "DROP FUNCTION IF EXISTS blog_article_search()",
]


def fill(apps, schema_editor):
    Article = apps.get_model("blog", "Article")
    articles = list(Article.objects.all())
    for article in articles:
        article.search_text = normalize(f"{article.title} {article.summary} {html.unescape(nh3.clean(article.body_html, tags=set()))}")
    Article.objects.bulk_update(articles, ["search_text"], batch_size=1000)
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES:
            schema_editor.execute(sql)


def unfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("blog", "0002_content_editors"), ("catalog", "0008_search")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_text",
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="article",
            name="search_vector",
            field=SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(fill, unfill),
    ]
