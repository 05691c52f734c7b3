import logging
import mimetypes

from celery import shared_task
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from notifications.models import EmailLog

logger = logging.getLogger("webox.email")


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def deliver_email(self, log_id):
    """Send one logged email. Idempotent: an email already sent is not sent again."""
    log = EmailLog.objects.filter(pk=log_id).first()
    if log is None or log.status == EmailLog.Status.SENT:
        return
    message = EmailMultiAlternatives(subject=log.subject, body=log.body_text, to=[log.recipient], headers=log.headers)
    if log.body_html:
        message.attach_alternative(log.body_html, "text/html")
    for attachment in log.attachments:
        with default_storage.open(attachment["path"], "rb") as fh:
            mimetype = attachment.get("mimetype") or mimetypes.guess_type(attachment["filename"])[0]
            message.attach(attachment["filename"], fh.read(), mimetype)
    EmailLog.objects.filter(pk=log.pk).update(attempts=log.attempts + 1)
    try:
        message.send()
    except Exception as exc:  # SMTP and network errors of every kind: retry with back-off
        final = self.request.retries >= self.max_retries
        EmailLog.objects.filter(pk=log.pk).update(
            status=EmailLog.Status.FAILED if final else EmailLog.Status.QUEUED, error=f"{exc.__class__.__name__}: {exc}"
        )
        logger.warning("email_failed id=%s kind=%s final=%s error=%s", log.pk, log.kind, final, exc)
        if not final:
            raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
        return
    EmailLog.objects.filter(pk=log.pk).update(status=EmailLog.Status.SENT, sent_at=timezone.now(), error="")
    logger.info("email_sent id=%s kind=%s", log.pk, log.kind)


@shared_task
def broadcast(title, body="", link="", organization_id=None):
    """Staff broadcast to all active users, or to one organization's members."""
    from accounts.models import Organization
    from notifications.services import broadcast

    organization = Organization.objects.get(pk=organization_id) if organization_id else None
    broadcast(title=title, body=body, link=link, organization=organization)
