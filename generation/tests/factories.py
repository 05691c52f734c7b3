import factory
from django.utils import timezone

from accounts.tests.factories import OrganizationFactory
from generation import services
from generation.models import CreditPrice, GenerationJob


class CreditPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditPrice
        django_get_or_create = ("kind", "provider", "model")

    kind = "image"
    provider = "offline"
    model = "offline-canvas"
    credits = 1


class GenerationJobFactory(factory.django.DjangoModelFactory):
    """A job row as the services leave it (use services.submit_job to test submitting)."""

    class Meta:
        model = GenerationJob

    organization = factory.SubFactory(OrganizationFactory)
    kind = "image"
    provider = "offline"
    model = "offline-canvas"
    prompt = "A lighthouse at dusk"
    parameters = factory.LazyFunction(lambda: {"width": 256, "height": 256, "count": 1})
    queued_at = factory.LazyFunction(timezone.now)


def submit_offline_job(organization, user, *, params=None, **overrides):
    """A job submitted through the service as a customer would: a small image from the offline
    provider, unless `overrides` name another kind, model, prompt or `prepaid`; `params` are the
    job's own (a 128 x 128 image by default)."""
    arguments = {"kind": "image", "provider": "offline", "model": "offline-canvas", "prompt": "A red fox"}
    arguments.update(overrides)
    return services.submit_job(
        organization=organization, user=user, params=params or {"width": 128, "height": 128, "count": 1}, **arguments
    )
