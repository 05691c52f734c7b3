"""Django Admin speaks French to French staff down to its field labels: every model field and model
name of the apps below is translatable (a field added without a label fails here), and the pages
show the French ones."""

import pytest
from django.apps import apps
from django.utils.functional import Promise

from catalog.tests.factories import ProductFactory
from core.search import Searchable
from support.tests.factories import open_ticket

TRANSLATED_APPS = [
    "support",
    "catalog",
    "accounts",
    "blog",
    "coupons",
    "usage",
    "generation",
    "notifications",
    "core",
    "backoffice",
    "billing",
]
# The search columns are the database's, never shown (products also keep their name's vector).
INTERNAL = {field.name for field in Searchable._meta.fields} | {"search_title"}


@pytest.mark.parametrize("label", TRANSLATED_APPS)
def test_every_model_and_field_label_is_translatable(label):
    config = apps.get_app_config(label)
    untranslated = [str(config.verbose_name)] if not isinstance(config.verbose_name, Promise) else []
    for model in config.get_models():
        for name in ("verbose_name", "verbose_name_plural"):
            if not isinstance(getattr(model._meta, name), Promise):
                untranslated.append(f"{model.__name__}.Meta.{name}")
        fields = [f for f in model._meta.get_fields() if f.concrete and not f.auto_created and f.name not in INTERNAL]
        untranslated += [f"{model.__name__}.{f.name}" for f in fields if not isinstance(f.verbose_name, Promise)]
    assert not untranslated


@pytest.mark.django_db
def test_the_admin_shows_french_labels_to_french_staff(admin_client, organization, user):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    index = admin_client.get("/admin/support/").content.decode()
    assert "Support client" in index and "Demandes de contact" in index and "Politiques de SLA" in index
    ticket = open_ticket(organization=organization, requester=user)
    page = admin_client.get(f"/admin/support/ticket/{ticket.pk}/change/").content.decode()
    assert "Demandeur" in page and "Agent assigné" in page and "Requester" not in page
    product = ProductFactory()
    page = admin_client.get(f"/admin/catalog/product/{product.pk}/change/").content.decode()
    assert "Taux de TVA" in page and "Unités restantes d’une offre limitée" in page and "VAT rate" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/auth/group/add/", "/admin/accounts/user/{user}/change/"])
def test_permissions_are_listed_in_the_staff_language(admin_client, user, path):
    """Django stores permission names in English when it migrates; French staff read them in French."""
    url = path.format(user=user.pk)
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    french = admin_client.get(url).content.decode()
    assert "Facturation | facture | Peut ajouter\u00a0: facture" in french
    assert "Peut voir le tableau de bord du chiffre d’affaires" in french
    assert "Can add" not in french and "Can see" not in french
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = admin_client.get(url).content.decode()
    assert "Billing | invoice | Can add invoice" in english and "Can see the revenue dashboard" in english
