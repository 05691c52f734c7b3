import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from catalog import demo, services
from catalog.models import Category, Order, Product, ProductPrice
from catalog.tests.factories import ProductFactory
from catalog.tests.test_checkout import fill

pytestmark = pytest.mark.django_db


def test_demo_data_is_complete_and_idempotent():
    demo.seed(log=lambda line: None)
    demo.seed(log=lambda line: None)
    assert Category.objects.count() >= 4
    assert Product.objects.count() >= 24
    assert set(Product.objects.values_list("kind", flat=True)) == {"credits", "digital", "service"}
    assert (
        ProductPrice.objects.filter(currency="EUR").count()
        == ProductPrice.objects.filter(currency="XOF").count()
        == Product.objects.count()
    )
    for product in Product.objects.all():
        product.full_clean()
        assert default_storage.exists(product.image.name)
        assert product.kind != "digital" or default_storage.open(product.download.name).read(4) == b"%PDF"


@pytest.fixture
def admin_client(client, staff_user, settings):
    settings.DEBUG = True
    settings.ADMIN_2FA_EXEMPT_EMAILS = [staff_user.email]
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    return client


def test_staff_cancel_unpaid_orders_from_the_admin_and_stock_comes_back(admin_client, user, organization):
    flash = ProductFactory(stock=2)
    cart = fill(user, organization, (flash, 2))
    order = services.checkout(cart=cart, organization=organization, user=user, payment_method="card",
                              billing={})  # fmt: skip
    changelist = reverse("admin:catalog_order_changelist")
    page = admin_client.get(changelist, {"status__exact": "pending", "q": order.number, "lines__product__id__exact": flash.pk})
    assert order.number in page.content.decode()
    admin_client.post(changelist, {"action": "cancel", "_selected_action": [order.pk]})
    order.refresh_from_db()
    flash.refresh_from_db()
    assert order.status == Order.Status.CANCELED and flash.stock == 2
    # A second cancel is refused with a message, not a crash.
    response = admin_client.post(changelist, {"action": "cancel", "_selected_action": [order.pk]}, follow=True)
    assert "Cannot go from" in response.content.decode()


def test_admin_pages_open(admin_client):
    ProductFactory()
    for name in ("product", "category", "cart", "order"):
        assert admin_client.get(reverse(f"admin:catalog_{name}_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:catalog_product_change", args=[Product.objects.get().pk])).status_code == 200


def test_demo_services_are_commissions_generation_accepts():
    from generation import params, providers

    demo.seed(log=lambda line: None)
    for product in Product.objects.filter(kind="service"):
        prompt, cleaned = params.validate(product.job_kind, product.job_prompt, product.job_params)
        providers.choosable(product.job_provider).validate(product.job_kind, product.job_model, cleaned)


@pytest.mark.parametrize(
    ("language", "withdrawn", "canceled"),
    [
        ("en", "2 products withdrawn.", "2 orders canceled."),
        ("fr", "2 produits retirés de la vente.", "2 commandes annulées."),
    ],
)
def test_the_admin_counts_what_its_actions_did_in_the_staff_language(
    admin_client, user, organization, language, withdrawn, canceled
):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    products = [ProductFactory(), ProductFactory()]
    orders = [
        services.checkout(
            cart=fill(user, organization, (product, 1)), organization=organization, user=user, payment_method="card", billing={}
        )
        for product in products
    ]
    answer = admin_client.post(
        reverse("admin:catalog_order_changelist"), {"action": "cancel", "_selected_action": [o.pk for o in orders]}, follow=True
    )
    assert canceled in answer.content.decode()
    answer = admin_client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "withdraw", "_selected_action": [p.pk for p in products]},
        follow=True,
    )
    assert withdrawn in answer.content.decode()
