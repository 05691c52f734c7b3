"""Celery tasks: thin wrappers over notifications' services, under the names beat and the queue
know them by (`notifications.tasks.<name>`). `deliver_email`, which `send_email` queues, is
defined beside it (notifications.delivery) and answers to this module too."""

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organization
from core.tasks import RETRY, due_for_sweep
from core.tasks_log import record_run
from notifications import services
from notifications.delivery import deliver_email
from notifications.models import EmailLog

SWEEP_BATCH = 500


@shared_task
def sweep_emails():
    """Every minute: emails still queued whose task was lost (broker down, worker killed while
    sending) or whose retry is due, sent again through `deliver_email` (which sends each once)."""
    with record_run("notifications.sweep_emails") as counts:
        now = timezone.now()
        lost = EmailLog.objects.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
                                       status=EmailLog.Status.QUEUED, created_at__lt=due_for_sweep(now))
        for pk in lost.order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH]:
            deliver_email.delay(pk)
            counts["emails"] += 1


@shared_task(**RETRY)
def broadcast(key, title, body="", link="", organization_id=None):
    """Staff broadcast to all active users, or to one organization's members; once per `key`, so
    a retry after a transient error or a redelivery (acks late) never notifies anyone twice."""
    organization = Organization.objects.get(pk=organization_id) if organization_id else None
    services.broadcast(key=key, title=title, body=body, link=link, organization=organization)
