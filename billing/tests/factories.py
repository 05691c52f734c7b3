from decimal import Decimal

import factory

from billing import services
from billing.models import Plan, PlanPrice


class PlanFactory(factory.django.DjangoModelFactory):
    """A plan sold in EUR and XOF; pass prices={"EUR": 1900} to choose them."""

    class Meta:
        model = Plan
        django_get_or_create = ["code"]
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.Sequence(lambda n: f"Plan {n}")
    tier = "pro"
    interval = "month"
    trial_days = 14

    @factory.post_generation
    def prices(plan, create, extracted, **kwargs):
        for currency, amount in (extracted or {"EUR": 1900, "XOF": 12000}).items():
            PlanPrice.objects.update_or_create(plan=plan, currency=currency, defaults={"amount": amount})


def line(description="Image pack", quantity=1, unit_amount=1000, french_rate="20.00", discount_amount=0, product_ref=""):
    return services.LineSpec(
        description=description,
        quantity=quantity,
        unit_amount=unit_amount,
        french_rate=Decimal(french_rate),
        discount_amount=discount_amount,
        product_ref=product_ref,
    )


def invoice(organization, lines=None, *, source_type="manual", source_id="1", finalize=True, **kwargs):
    return services.create_invoice(
        organization=organization,
        lines=lines or [line()],
        source_type=source_type,
        source_id=source_id,
        finalize=finalize,
        **kwargs,
    )
