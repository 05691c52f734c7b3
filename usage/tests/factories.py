import factory
from django.utils import timezone

from accounts.tests.factories import OrganizationFactory
from usage.models import AddonPrice, AddonPurchase, AddonType, Metric, UsageRecord
from usage.selectors import month_start


class UsageRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UsageRecord

    organization = factory.SubFactory(OrganizationFactory)
    metric = Metric.TRAFFIC_BYTES
    month = factory.LazyFunction(month_start)
    value = 0


class AddonTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AddonType
        django_get_or_create = ["code"]
        skip_postgeneration_save = True

    code = "storage"
    name = "Storage"
    metric = Metric.STORAGE_BYTES
    amount_per_unit = 10 * 1024**3
    unit_label = "+10 GB"
    allowed_plans = ["pro", "business"]

    @factory.post_generation
    def prices(obj, create, extracted, **kwargs):
        for currency, amount in (extracted or {"EUR": 100, "XOF": 656}).items():
            AddonPrice.objects.update_or_create(addon_type=obj, currency=currency, defaults={"unit_amount": amount})


class AddonPurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AddonPurchase

    organization = factory.SubFactory(OrganizationFactory)
    addon_type = factory.SubFactory(AddonTypeFactory)
    quantity = 1
    currency = "EUR"
    unit_amount = 100


class ActiveAddonFactory(AddonPurchaseFactory):
    status = AddonPurchase.Status.ACTIVE
    period_start = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=30))
