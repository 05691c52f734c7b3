"""Sending one logged email, once: the task `send_email` queues, defined beside the services that
queue it (as billing's are) and answering to `notifications.tasks.deliver_email`, the name the
queue and the sweeper know."""

import logging
import mimetypes
from datetime import datetime, timedelta

from celery import shared_task
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.utils import timezone

from notifications.models import EmailLog

logger = logging.getLogger("webox.email")

MAX_ATTEMPTS = 6
SEND_LEASE = timedelta(minutes=10)  # longer than any send: past it, the sending worker died


def _claim(log_id, until, held=None):
    """Take the email for sending until `until`; False when it is sent, failed or held by another
    task. `held` is the hold a failed attempt gave its own retry: that retry may take it at once."""
    now = timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    if held:
        free |= Q(claimed_until=datetime.fromisoformat(held))
    return bool(
        EmailLog.objects.filter(free, pk=log_id, status=EmailLog.Status.QUEUED).update(
            claimed_until=until, attempts=F("attempts") + 1
        )
    )


@shared_task(name="notifications.tasks.deliver_email", bind=True, max_retries=None)
def deliver_email(self, log_id, held=None):
    """Send one logged email, once: the task claims it first, so a retry, a sweep and a duplicate
    message never send it twice. A failure is retried with back-off (1, 2, 4, 8, 16 min), the
    email held for that retry meanwhile."""
    if not _claim(log_id, timezone.now() + SEND_LEASE, held):
        return
    log = EmailLog.objects.get(pk=log_id)
    try:
        message = EmailMultiAlternatives(subject=log.subject, body=log.body_text, to=[log.recipient], headers=log.headers)
        if log.body_html:
            message.attach_alternative(log.body_html, "text/html")
        for attachment in log.attachments:
            with default_storage.open(attachment["path"], "rb") as fh:
                mimetype = attachment.get("mimetype") or mimetypes.guess_type(attachment["filename"])[0]
                message.attach(attachment["filename"], fh.read(), mimetype)
        message.send()
    except Exception as exc:  # SMTP, network and storage errors of every kind: retry with back-off
        final = log.attempts >= MAX_ATTEMPTS
        countdown = 60 * 2 ** (log.attempts - 1)
        hold = None if final else timezone.now() + timedelta(seconds=countdown)
        EmailLog.objects.filter(pk=log.pk).update(
            status=EmailLog.Status.FAILED if final else EmailLog.Status.QUEUED,
            claimed_until=hold,
            error=f"{exc.__class__.__name__}: {exc}",
        )
        logger.warning("email_failed id=%s kind=%s attempt=%s final=%s error=%s", log.pk, log.kind, log.attempts, final, exc)
        if not final:
            raise self.retry(exc=exc, countdown=countdown, args=[log_id], kwargs={"held": hold.isoformat()}) from exc
        return
    EmailLog.objects.filter(pk=log.pk).update(
        status=EmailLog.Status.SENT, sent_at=timezone.now(), error="", claimed_until=None
    )
    logger.info("email_sent id=%s kind=%s", log.pk, log.kind)
