"""Hard limits as other apps meet them: a generation job past the storage or memory limit is refused,
and an add-on lets the same work through."""

import pytest

from billing import services as billing
from core.errors import QuotaExceeded
from generation import services as generation
from generation.models import GenerationJob, JobStatus
from generation.tests.factories import submit_offline_job
from usage import services
from usage.tests.conftest import GB, PLANS

pytestmark = pytest.mark.django_db


@pytest.fixture
def pro(organization, plans, monkeypatch):
    plans.set(organization, "pro")
    monkeypatch.setattr("generation.services._dispatch", lambda job: None)  # run jobs by hand below
    generation.grant_credits(organization=organization, amount=50, reason="test")
    return organization


def submit(org, user, **params):
    return submit_offline_job(org, user, params={"width": 128, "height": 128, "count": 1, **params})


def buy(org, code):
    _, invoice = services.purchase_addon(organization=org, code=code, quantity=1)
    billing.mark_invoice_paid(invoice=invoice, amount=invoice.amount_due, reference=f"t-{invoice.pk}")


def test_a_job_whose_files_would_pass_the_storage_limit_fails_until_storage_is_bought(pro, user):
    services.adjust_storage(organization=pro, delta_bytes=10 * GB - 10)  # Pro: 10 GB, nearly full
    job = submit(pro, user)
    generation.execute_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.error_code) == (JobStatus.FAILED, "quota_exceeded")

    buy(pro, "storage")
    job = submit(pro, user)
    generation.execute_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_a_job_needing_more_memory_than_allowed_is_refused_until_ram_is_bought(pro, user, monkeypatch):
    monkeypatch.setitem(PLANS["pro"], "memory_mb", 64)  # a 2048×2048 image needs about 80 MB
    with pytest.raises(QuotaExceeded) as refused:
        submit(pro, user, width=2048, height=2048)
    assert refused.value.fields["buy"] == ["ram"]
    assert not GenerationJob.objects.exists()
    buy(pro, "ram")
    assert submit(pro, user, width=2048, height=2048).status == JobStatus.RUNNING
