"""The pay page offers "save this method" only to the roles that manage payment methods (owners
and admins, as on the payment methods page and API); a member who posts it anyway is refused and
nothing is paid or saved."""

import pytest
from django.urls import reverse

from accounts.tests.factories import MembershipFactory
from billing.models import Payment, PaymentMethod
from billing.tests.factories import invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(client, organization):
    client.force_login(MembershipFactory(organization=organization, role="member", user__email="m@example.test").user)
    return client


def test_a_member_is_not_offered_to_save_a_method_and_cannot_force_it(member_client, organization, run_on_commit):
    inv = invoice(organization)
    url = reverse("billing:invoice_pay", args=[inv.pk])
    assert 'name="save_method"' not in member_client.get(url).content.decode()
    with run_on_commit(execute=True):
        response = member_client.post(
            url, {"provider": "sandbox", "card_number": "4242 4242 4242 4242", "save_method": "on"}, follow=True
        )
    assert "owners and admins can save a payment method" in response.content.decode()
    assert not PaymentMethod.objects.exists() and not Payment.objects.exists()
    with run_on_commit(execute=True):
        member_client.post(url, {"provider": "sandbox", "card_number": "4242 4242 4242 4242"})
    assert Payment.objects.get().status == "succeeded" and not PaymentMethod.objects.exists()  # paying is allowed


def test_an_owner_is_offered_to_save_it(client_user, organization):
    inv = invoice(organization)
    assert 'name="save_method"' in client_user.get(reverse("billing:invoice_pay", args=[inv.pk])).content.decode()
