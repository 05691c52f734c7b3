"""Search that finds (core.search): each product's words without accents (`search_text`, written
on save and filled here) and, on PostgreSQL, a weighted tsvector kept by a trigger: the name
(weight A), its category (B) and the description (C), each stemmed in French and in English and
unaccented, with a GIN index. Typos are corrected from `search_word`, every word the searchable
tables have held (filled by triggers; the blog's articles add theirs), with a trigram index: a
few thousand words to compare instead of every product's text."""

from django.contrib.postgres.operations import TrigramExtension
from django.contrib.postgres.search import SearchVectorField
from django.db import migrations, models

from core.search import normalize


def weighted(text, weight):
    return " || ".join(
        f"setweight(to_tsvector('{config}', unaccent(coalesce({text}, ''))), '{weight}')" for config in ("french", "english")
    )


CATEGORY_NAME = "(SELECT name FROM catalog_category WHERE id = NEW.category_id)"
POSTGRES = [
    f"""CREATE FUNCTION catalog_product_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' OR NEW.search_vector IS NULL OR NEW.name IS DISTINCT FROM OLD.name
           OR NEW.description IS DISTINCT FROM OLD.description OR NEW.category_id IS DISTINCT FROM OLD.category_id THEN
            NEW.search_vector := {weighted("NEW.name", "A")} || {weighted(CATEGORY_NAME, "B")} || {weighted("NEW.description", "C")};
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER catalog_product_search BEFORE INSERT OR UPDATE ON catalog_product
    FOR EACH ROW EXECUTE FUNCTION catalog_product_search()""",
    # A renamed category: its products' vectors are computed again.
    """CREATE FUNCTION catalog_category_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE catalog_product SET search_vector = NULL WHERE category_id = NEW.id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER catalog_category_search AFTER UPDATE OF name ON catalog_category
    FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name) EXECUTE FUNCTION catalog_category_search()""",
    "UPDATE catalog_product SET search_vector = NULL",
    "CREATE INDEX catalog_product_search_vector ON catalog_product USING gin (search_vector)",
    # The words of every searchable row (numbers and words under 3 letters left out), for typos.
    "CREATE TABLE search_word (word text PRIMARY KEY)",
    "CREATE INDEX search_word_trgm ON search_word USING gin (word gin_trgm_ops)",
    """CREATE FUNCTION search_word_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO search_word (word)
        SELECT DISTINCT w FROM regexp_split_to_table(coalesce(NEW.search_text, ''), ' ') AS w
        WHERE length(w) >= 3 AND w !~ '^[0-9]+$'
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER catalog_product_words AFTER INSERT OR UPDATE OF search_text ON catalog_product
    FOR EACH ROW EXECUTE FUNCTION search_word_add()""",
    """INSERT INTO search_word (word) SELECT DISTINCT w FROM catalog_product, regexp_split_to_table(coalesce(search_text, ''), ' ') AS w
    WHERE length(w) >= 3 AND w !~ '^[0-9]+$' ON CONFLICT DO NOTHING""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS catalog_product_words ON catalog_product",
    "DROP FUNCTION IF EXISTS search_word_add()",
    "DROP TABLE IF EXISTS search_word",
    "DROP INDEX IF EXISTS catalog_product_search_vector",
    "DROP TRIGGER IF EXISTS catalog_category_search ON catalog_category",
    "DROP FUNCTION IF EXISTS catalog_category_search()",
    "DROP TRIGGER IF EXISTS catalog_product_search ON catalog_product",
    "DROP FUNCTION IF EXISTS catalog_product_search()",
]


def fill(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    products = list(Product.objects.select_related("category"))
    for product in products:
        product.search_text = normalize(f"{product.name} {product.category.name} {product.description}")
    Product.objects.bulk_update(products, ["search_text"], batch_size=1000)
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES:
            schema_editor.execute(sql)


def unfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_price_columns")]

    operations = [
        TrigramExtension(),
        migrations.AddField(
            model_name="product",
            name="search_text",
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="product",
            name="search_vector",
            field=SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(fill, unfill),
    ]
