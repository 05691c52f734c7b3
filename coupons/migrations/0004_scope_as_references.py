"""A coupon's scope becomes references (plan codes, product and category slugs) instead of
many-to-many foreign keys into billing and the catalog: the rows' codes and slugs are copied, then
the link tables dropped. Reversible: the references are looked up again."""

from django.db import migrations, models

SCOPE = (("plans", "billing", "Plan", "code"), ("products", "catalog", "Product", "slug"), ("categories", "catalog", "Category", "slug"))
HELP = {"plans": "Empty = every plan", "categories": "With products: empty both = every item"}


def to_references(apps, schema_editor):
    Coupon = apps.get_model("coupons", "Coupon")
    for coupon in Coupon.objects.all():
        for name, _app, _model, key in SCOPE:
            setattr(coupon, f"{name}_refs", sorted(getattr(coupon, name).values_list(key, flat=True)))
        coupon.save(update_fields=[f"{name}_refs" for name, *_rest in SCOPE])


def to_foreign_keys(apps, schema_editor):
    Coupon = apps.get_model("coupons", "Coupon")
    for coupon in Coupon.objects.all():
        for name, app, model, key in SCOPE:
            rows = apps.get_model(app, model).objects.filter(**{f"{key}__in": getattr(coupon, f"{name}_refs")})
            getattr(coupon, name).set(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_pending_charges"),
        ("catalog", "0007_price_columns"),
        ("coupons", "0003_verbose_names"),
    ]

    operations = [
        *(
            migrations.AddField(
                model_name="coupon",
                name=f"{name}_refs",
                field=models.JSONField(blank=True, default=list, help_text=HELP.get(name, ""), verbose_name=name),
            )
            for name, *_rest in SCOPE
        ),
        migrations.RunPython(to_references, to_foreign_keys),
        *(migrations.RemoveField(model_name="coupon", name=name) for name, *_rest in SCOPE),
        *(migrations.RenameField(model_name="coupon", old_name=f"{name}_refs", new_name=name) for name, *_rest in SCOPE),
    ]
