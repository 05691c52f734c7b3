"""The functions other apps code against (docs/architecture.md, generation)."""

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from core.errors import AccountSuspended, NotFound, QuotaExceeded
from generation import selectors, services
from generation.models import CreditEntry, JobStatus
from generation.tests.factories import submit_offline_job

IMAGE = {"width": 256, "height": 192, "count": 1}


def submit_fox(organization, user, **extra):
    """One small offline image job, the call every contract test makes."""
    return submit_offline_job(
        organization,
        user,
        params=IMAGE,
        **extra,
    )


def test_grant_credits_adds_a_ledger_row_once_per_order(organization):
    services.grant_credits(organization=organization, amount=100, reason="1 × Pack 100", order_ref="WB-0001")
    services.grant_credits(organization=organization, amount=100, reason="1 × Pack 100", order_ref="WB-0001")
    services.grant_credits(organization=organization, amount=5, reason="welcome gift")
    assert selectors.credit_balance(organization=organization) == 105
    purchase = CreditEntry.objects.get(reason=CreditEntry.Reason.PURCHASE)
    assert (purchase.amount, purchase.order_ref, purchase.note) == (100, "WB-0001", "1 × Pack 100")


def test_balance_is_cached_and_refreshed_on_every_movement(organization, django_assert_num_queries):
    services.grant_credits(organization=organization, amount=10, reason="gift")
    assert selectors.credit_balance(organization=organization) == 10
    with django_assert_num_queries(0):
        assert selectors.credit_balance(organization=organization) == 10
    services.grant_credits(organization=organization, amount=7, reason="gift")
    assert selectors.credit_balance(organization=organization) == 17


@pytest.mark.django_db(transaction=True)
def test_submit_reserves_runs_offline_and_settles(organization, user):
    services.grant_credits(organization=organization, amount=10, reason="gift")
    job = submit_fox(organization, user)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.credits_reserved, job.credits_charged) == (1, 1)
    assert selectors.credit_balance(organization=organization) == 9
    artifact = job.artifacts.get()
    with default_storage.open(artifact.path) as handle:
        assert Image.open(handle).size == (256, 192)
    assert artifact.thumbnail_path


def test_prepaid_job_reserves_nothing(organization, user, no_dispatch):
    job = submit_fox(organization, user, prepaid=True)
    assert job.prepaid and job.credits_reserved == 0
    assert selectors.credit_balance(organization=organization) == 0


def test_job_for_is_scoped_to_the_organization(organization, other_organization, user, no_dispatch):
    services.grant_credits(organization=organization, amount=5, reason="gift")
    job = submit_fox(organization, user)
    assert selectors.job_for(organization=organization, pk=job.pk) == job
    with pytest.raises(NotFound):
        selectors.job_for(organization=other_organization, pk=job.pk)


def test_exhausted_balance_is_refused_with_quota_exceeded(organization, user, no_dispatch):
    with pytest.raises(QuotaExceeded) as error:
        submit_fox(organization, user)
    assert error.value.code == "quota_exceeded"
    assert not organization.generation_jobs.exists()


def test_suspended_organization_is_refused(organization, user, no_dispatch):
    services.grant_credits(organization=organization, amount=5, reason="gift")
    organization.is_active = False
    organization.save()
    with pytest.raises(AccountSuspended) as error:
        submit_fox(organization, user)
    assert error.value.code == "account_suspended"
    assert selectors.credit_balance(organization=organization) == 5


def test_the_credit_summary_is_cached_and_follows_every_movement(organization, user, no_dispatch, django_assert_num_queries):
    services.grant_credits(organization=organization, amount=10, reason="gift")
    assert selectors.credit_summary(organization=organization).purchased_left == 10
    with django_assert_num_queries(0):
        assert selectors.credit_summary(organization=organization).purchased_left == 10
    services.grant_credits(organization=organization, amount=7, reason="gift")
    summary = selectors.credit_summary(organization=organization)
    assert (summary.purchased_left, summary.left, summary.spent) == (17, 17, 0)
    submit_fox(organization, user)  # reserves one credit
    summary = selectors.credit_summary(organization=organization)
    assert (summary.left, summary.spent) == (16, 1)
