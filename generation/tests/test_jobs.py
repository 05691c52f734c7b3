"""Job life cycle: reservations, refunds, the concurrency limit, waiting jobs and the sweeper."""

from datetime import timedelta

import pytest
import respx
import time_machine
from django.utils import timezone

from conftest import requires_postgres
from core.errors import InvalidTransition, NotFound, QuotaExceeded
from core.tests.concurrency import failures, run_together
from generation import selectors, services
from generation.models import CreditEntry, GenerationJob, JobStatus
from generation.tests.factories import submit_offline_job
from notifications.models import Notification

submit = submit_offline_job


def balance(organization):
    return selectors.credit_balance(organization=organization)


@pytest.fixture
def funded(organization):
    services.grant_credits(organization=organization, amount=10, reason="gift")
    return organization


def test_reservation_then_cancel_of_a_queued_job_refunds(funded, user, no_dispatch, plan_limits):
    plan_limits["concurrent_jobs"] = 1
    first = submit(funded, user)
    second = submit(funded, user, params={"width": 128, "height": 128, "count": 3})
    assert (first.status, second.status) == (JobStatus.RUNNING, JobStatus.QUEUED)
    assert balance(funded) == 10 - 1 - 3
    services.cancel_job(organization=funded, pk=second.pk)
    second.refresh_from_db()
    assert second.status == JobStatus.CANCELED and second.finished_at
    assert balance(funded) == 9
    assert CreditEntry.objects.filter(job=second).count() == 2


def test_cancel_of_a_running_job_refunds_and_its_worker_stops(funded, user, no_dispatch):
    job = submit(funded, user)
    assert job.status == JobStatus.RUNNING
    services.cancel_job(organization=funded, pk=job.pk)
    assert balance(funded) == 10
    services.execute_job(job_id=job.pk)  # the task arriving late leaves the canceled job alone
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELED and not job.artifacts.exists()


def test_progress_report_after_cancel_stops_the_provider(funded, user, no_dispatch, monkeypatch):
    job = submit(funded, user)

    def cancel_midway(job, report):
        report(10)
        services.cancel_job(organization=funded, pk=job.pk)
        report(50)
        raise AssertionError("report() must raise once the job is canceled")

    monkeypatch.setattr("generation.providers.offline.provider.run", cancel_midway)
    services.execute_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELED and balance(funded) == 10


def test_canceling_a_finished_job_is_refused_and_changes_nothing(funded, user, no_dispatch):
    job = submit(funded, user)
    services.execute_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    with pytest.raises(InvalidTransition) as error:
        services.cancel_job(organization=funded, pk=job.pk)
    assert error.value.code == "job_finished"
    assert balance(funded) == 9


def test_cancel_of_another_organizations_job_is_not_found(funded, user, other_organization, no_dispatch):
    job = submit(funded, user)
    with pytest.raises(NotFound):
        services.cancel_job(organization=other_organization, pk=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING


def test_provider_failure_refunds_and_tells_the_user(funded, user, no_dispatch, monkeypatch, run_on_commit):
    monkeypatch.setenv("MISTRAL_API_KEY", "m-key")
    services.grant_credits(organization=funded, amount=0 + 5, reason="more")
    job = submit(funded, user, kind="chat", provider="mistral", model="mistral-small-latest", params={"max_tokens": 100})
    assert balance(funded) == 15 - job.credits_reserved
    with respx.mock() as mock:
        mock.post("https://api.mistral.ai/v1/chat/completions").respond(401, json={"message": "Unauthorized"})
        services.execute_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.error_code) == (JobStatus.FAILED, "provider_auth_failed")
    assert balance(funded) == 15
    note = Notification.objects.get(recipient=user, kind="generation_failed")  # in the user's (organization's) English
    assert note.title == f"Your generation #{job.pk} (Chat) could not be made"
    assert note.body == "Mistral AI is not available right now. Your 1 credit was refunded."
    assert job.error_message == "Mistral AI is not available right now."


def test_chat_charges_tokens_used_and_releases_the_rest(funded, user, no_dispatch, monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk")
    job = submit(
        funded, user, kind="chat", provider="groq", model="llama-3.1-8b-instant", prompt="Hi", params={"max_tokens": 2500}
    )
    assert job.credits_reserved == 3  # ceil((1 + 2500) / 1000) units of 1 credit
    answer = {
        "choices": [{"message": {"content": "Hello!"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 2},
    }
    with respx.mock() as mock:
        mock.post("https://api.groq.com/openai/v1/chat/completions").respond(200, json=answer)
        services.execute_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.credits_charged, job.result_text) == (JobStatus.SUCCEEDED, 1, "Hello!")
    assert job.provider_cost_micros == (9 * 50 + 500) // 1000 + (2 * 80 + 500) // 1000
    assert balance(funded) == 9
    assert [m.role for m in job.conversation.messages.all()] == ["user", "assistant"]
    follow_up = submit(
        funded,
        user,
        kind="chat",
        provider="groq",
        model="llama-3.1-8b-instant",
        prompt="Again",
        params={"max_tokens": 10, "conversation": job.conversation_id},
    )
    assert follow_up.parameters["messages"] == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Again"},
    ]


def test_concurrency_limit_holds_and_waiting_jobs_start_in_order(funded, user, no_dispatch, plan_limits, run_on_commit):
    plan_limits["concurrent_jobs"] = 2
    with run_on_commit(execute=True):
        jobs = [submit(funded, user, prompt=f"Fox {i}") for i in range(5)]

    def statuses():
        return [GenerationJob.objects.get(pk=j.pk).status for j in jobs]

    assert statuses() == ["running", "running", "queued", "queued", "queued"]
    assert [job.pk for job in no_dispatch] == [jobs[0].pk, jobs[1].pk]
    with run_on_commit(execute=True):
        services.execute_job(job_id=jobs[1].pk)
    assert statuses() == ["running", "succeeded", "running", "queued", "queued"]
    with run_on_commit(execute=True):
        services.cancel_job(organization=funded, pk=jobs[0].pk)
    assert statuses() == ["canceled", "succeeded", "running", "running", "queued"]
    assert [job.pk for job in no_dispatch] == [j.pk for j in jobs[:4]]


def test_plan_memory_limit_refuses_a_job_too_big(funded, user, no_dispatch, plan_limits):
    plan_limits["memory_mb"] = 64
    with pytest.raises(QuotaExceeded):
        submit(funded, user, params={"width": 2048, "height": 2048, "count": 1})
    assert not GenerationJob.objects.exists() and balance(funded) == 10


def test_storage_quota_fails_the_job_and_refunds(funded, user, no_dispatch, plan_limits):
    plan_limits["storage_bytes"] = 100
    job = submit(funded, user)
    services.execute_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.error_code) == (JobStatus.FAILED, "quota_exceeded")
    assert balance(funded) == 10


def test_success_records_credits_storage_and_gauge(funded, user, no_dispatch):
    from usage.models import UsageRecord

    job = submit(funded, user)
    services.execute_job(job_id=job.pk)
    job.refresh_from_db()
    stored = sum(a.size_bytes + a.thumbnail_size_bytes for a in job.artifacts.all())
    records = {r.metric: r.value for r in UsageRecord.objects.filter(organization=funded)}
    assert records["storage_bytes"] == stored > 0
    assert records["concurrent_jobs"] == 0


def test_sweeper_fails_jobs_left_running_by_a_dead_worker(funded, user, no_dispatch, plan_limits):
    plan_limits["concurrent_jobs"] = 1
    stuck = submit(funded, user)
    waiting = submit(funded, user, prompt="Next")
    with time_machine.travel(timezone.now() + timedelta(seconds=services.TIME_LIMITS["image"] - 1)):
        assert services.fail_stale_jobs() == {"failed": 0, "started": 0}
    with time_machine.travel(
        timezone.now() + timedelta(seconds=services.TIME_LIMITS["image"] + services.STALE_GRACE_SECONDS + 1)
    ):
        from generation.tasks import fail_stale_jobs

        fail_stale_jobs()
    stuck.refresh_from_db()
    waiting.refresh_from_db()
    assert (stuck.status, stuck.error_code) == (JobStatus.FAILED, "worker_lost")
    assert waiting.status == JobStatus.RUNNING
    assert balance(funded) == 10 - 1


def test_jobs_of_a_worker_whose_heartbeat_stopped_are_failed_and_refunded_within_minutes(funded, user, no_dispatch, plan_limits):
    """The worker running a job is killed: a minute later (no heartbeat) the sweeper fails the job
    and refunds it, instead of waiting out the kind's time limit. A job still waiting in the
    queue (no worker picked it up yet) and a job of a live worker are left alone."""
    from core import heartbeats

    plan_limits["concurrent_jobs"] = 3
    dead, alive, queued = submit(funded, user), submit(funded, user, prompt="B"), submit(funded, user, prompt="C")
    for job, key in ((dead, "dead-worker"), (alive, "live-worker")):
        heartbeats.beat(key=key, kind="worker", hostname=key, started_at=timezone.now())
        GenerationJob.objects.filter(pk=job.pk).update(worker=key)
    assert services.fail_stale_jobs()["failed"] == 0
    with time_machine.travel(timezone.now() + heartbeats.stale_after() + timedelta(seconds=5)):
        heartbeats.beat(key="live-worker", kind="worker", hostname="live-worker", started_at=timezone.now())
        assert services.fail_stale_jobs()["failed"] == 1
    for job in (dead, alive, queued):
        job.refresh_from_db()
    assert (dead.status, dead.error_code) == (JobStatus.FAILED, "worker_lost")
    assert alive.status == queued.status == JobStatus.RUNNING
    assert balance(funded) == 10 - 2


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_submissions_never_take_the_balance_below_zero(organization, user, no_dispatch, plan_limits):
    """Real connections, one per thread, all submitting at once against 7 credits."""
    plan_limits["concurrent_jobs"] = None
    services.grant_credits(organization=organization, amount=7, reason="gift")
    outcomes = run_together([lambda i=i: submit(organization, user, prompt=f"Fox {i}") for i in range(20)])
    refused = [outcome for outcome in failures(outcomes) if isinstance(outcome, QuotaExceeded)]
    assert len(refused) == len(failures(outcomes)) == 13
    assert selectors.ledger_sum(organization=organization) == 0
    assert GenerationJob.objects.filter(organization=organization).count() == 7


def test_a_plan_without_job_slots_is_refused(funded, user, no_dispatch, plan_limits):
    plan_limits["concurrent_jobs"] = 0
    with pytest.raises(QuotaExceeded):
        submit(funded, user)
    assert not GenerationJob.objects.exists() and balance(funded) == 10


def test_a_broker_outage_fails_the_job_at_once_with_its_refund(funded, user, monkeypatch, run_on_commit):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr("generation.tasks.run_job.apply_async", broker_down)
    with run_on_commit(execute=True):
        job = submit(funded, user)
    job.refresh_from_db()
    assert (job.status, job.error_code) == (JobStatus.FAILED, "queue_unavailable")
    assert balance(funded) == 10
