"""Every signed-in list page and list endpoint stays within 8 queries, on the Free plan (no
subscription: the Free plan's limits and credits) with a few rows of each kind listed; each app's
own tests pin its pages with a paid subscription and check the count does not grow with the rows."""

import pytest

from billing.tests.factories import invoice
from generation.tests.factories import GenerationJobFactory
from notifications.models import Notification
from support.tests.factories import open_ticket

pytestmark = pytest.mark.django_db

PAGES = [
    "/accounts/dashboard/",
    "/accounts/sessions/",
    "/accounts/profile/",
    "/accounts/organization/members/",
    "/billing/",
    "/billing/balance/",
    "/billing/payments/",
    "/billing/payment-methods/",
    "/billing/invoices/",
    "/billing/subscription/",
    "/billing/pricing/",
    "/shop/",
    "/shop/orders/",
    "/shop/cart/",
    "/studio/",
    "/studio/jobs/",
    "/studio/chat/",
    "/notifications/",
    "/support/",
    "/search/?q=logo",
    "/blog/",
    "/usage/",
    "/usage/metrics/",
]
ENDPOINTS = [
    "/api/v1/organizations/",
    "/api/v1/orders/",
    "/api/v1/cart/",
    "/api/v1/billing/invoices/",
    "/api/v1/billing/payments/",
    "/api/v1/billing/payment-methods/",
    "/api/v1/billing/subscriptions/",
    "/api/v1/usage/",
    "/api/v1/usage/history/",
    "/api/v1/resources/",
    "/api/v1/resources/available/",
    "/api/v1/notifications/",
    "/api/v1/support/tickets/",
    "/api/v1/generation/jobs/",
    "/api/v1/generation/providers/",
]
PUBLIC = ["/billing/pricing/", "/api/v1/billing/plans/"]


@pytest.fixture
def rows(organization, user):
    for n in range(3):
        invoice(organization)
        open_ticket(organization=organization, requester=user, subject=f"Ticket {n}")
        GenerationJobFactory(organization=organization, user=user)
        Notification.objects.create(recipient=user, organization=organization, kind="broadcast", title=f"Note {n}")


@pytest.mark.parametrize("url", PAGES)
def test_signed_in_pages_stay_within_eight_queries(client_user, rows, url, django_assert_max_num_queries):
    client_user.get(url)  # the credit summary and the unread count are cached from here
    with django_assert_max_num_queries(8):
        assert client_user.get(url).status_code == 200


@pytest.mark.parametrize("url", ENDPOINTS)
def test_signed_in_endpoints_stay_within_eight_queries(auth_api, rows, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert auth_api.get(url).status_code == 200


@pytest.mark.parametrize("url", PUBLIC)
def test_public_pages_and_endpoints_stay_within_their_queries_for_visitors(client, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert client.get(url).status_code == 200
