"""Search at scale (issue 20): each product's name alone as a second tsvector, `search_title`, kept by
the same trigger as `search_vector` (French and English stemming, unaccented), with a GIN index.
A broad search ranked by relevance lists the products whose name matches first
(core.search.CappedPaginator): its first pages read those few rows instead of ranking every
product whose description holds the word."""

import importlib

from django.contrib.postgres.search import SearchVectorField
from django.db import migrations

SEARCH = importlib.import_module("catalog.migrations.0008_search")
NAME_VECTOR = " || ".join(f"to_tsvector('{config}', unaccent(coalesce(NEW.name, '')))" for config in ("french", "english"))
POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION catalog_product_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' OR NEW.search_vector IS NULL OR NEW.search_title IS NULL OR NEW.name IS DISTINCT FROM OLD.name
           OR NEW.description IS DISTINCT FROM OLD.description OR NEW.category_id IS DISTINCT FROM OLD.category_id THEN
            NEW.search_vector := {SEARCH.weighted("NEW.name", "A")} || {SEARCH.weighted(SEARCH.CATEGORY_NAME, "B")}
                || {SEARCH.weighted("NEW.description", "C")};
            NEW.search_title := {NAME_VECTOR};
        END IF;
        RETURN NEW;
    END $$""",
    "UPDATE catalog_product SET search_title = NULL",
    "CREATE INDEX catalog_product_search_title ON catalog_product USING gin (search_title)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS catalog_product_search_title",
    SEARCH.POSTGRES[0].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0010_refund_credits")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="search_title",
            field=SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
