"""The one entry point for telling people things: `notify()` (stored, pushed live, emailed per
kind), `push_event()` (live only: progress, new ticket replies) and `send_email()`.

Apps never call the channel layer or `send_mail` themselves. Pushes and emails leave after the
surrounding transaction commits, so nobody is told about something that was rolled back.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Organization
from accounts.selectors import language_for
from notifications import kinds
from notifications.models import EmailLog, Notification

logger = logging.getLogger("webox.notifications")


def user_group(user_id):
    return f"user_{user_id}"


def _recipients(user_or_org):
    if isinstance(user_or_org, Organization):
        return list(user_or_org.members.filter(is_active=True)), user_or_org
    return [user_or_org], None


def notify(user_or_org, kind, *, title, body="", link="", context=None, attachments=(), related=None, organization=None):
    """Tell a user (or every member of an organization) about something.

    Stores a Notification per user, pushes it to their open sockets, and queues the kind's email
    (rendered in each user's language with `context`, plus `title`, `body`, `link`, `user`).
    `title` and `body` are read in each user's language (accounts.selectors.language_for): pass
    them as `core.i18n.lazy_text(gettext_lazy("…"), **values)` or `gettext_lazy("…")`.
    `attachments` are dicts {"filename", "path" (storage name), "mimetype"}.
    """
    spec = kinds.get(kind)
    users, org = _recipients(user_or_org)
    org = org or organization
    created = []
    for user in users:
        language = language_for(user, org)
        with translation.override(language):
            user_title, user_body = str(title), str(body)
        note = Notification.objects.create(
            recipient=user, organization=org, kind=kind, title=user_title[:200], body=user_body, link=link
        )
        created.append(note)
        transaction.on_commit(
            lambda note=note: _push(note.recipient_id, {**note.as_payload(), "unread": unread_count(note.recipient)})
        )
        if spec.email_template:
            send_email(
                to=user.email,
                template=spec.email_template,
                kind=kind,
                locale=language,
                context={**(context or {}), "title": user_title, "body": user_body, "link": absolute(link), "user": user},
                attachments=attachments,
                related=related,
            )
    logger.info("notified kind=%s recipients=%s", kind, len(created))
    return created


def push_event(user_or_org, event, data):
    """A live-only message (not stored): {"type": event, ...data} to the users' open sockets."""
    users, _ = _recipients(user_or_org)
    for user in users:
        transaction.on_commit(lambda uid=user.pk: _push(uid, {"type": event, **data}))


def _push(user_id, payload):
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user_id), {"type": "push", "payload": payload})
    except Exception:  # a live push is best effort: the notification is stored either way
        logger.exception("push_failed user=%s", user_id)


def unread_count(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(*, user, notification_id):
    updated = Notification.objects.filter(recipient=user, pk=notification_id, read_at__isnull=True).update(read_at=timezone.now())
    return updated


def mark_all_read(*, user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def absolute(link):
    return f"{settings.SITE_URL}{link}" if link and link.startswith("/") else link


def render_email(template, locale, context):
    """(subject, text, html) from `<template>.<locale>.subject.txt|.txt|.html`, English fallback.
    Rendered in that language, so lazy texts and `{% load formats %}` in the context follow it."""
    locale = (locale or settings.LANGUAGE_CODE)[:2]
    for lang in dict.fromkeys([locale, "en"]):
        try:
            with translation.override(lang):
                subject = render_to_string(f"{template}.{lang}.subject.txt", context).strip()
                text = render_to_string(f"{template}.{lang}.txt", context)
                try:
                    html = render_to_string(f"{template}.{lang}.html", context)
                except TemplateDoesNotExist:
                    html = ""
            return " ".join(subject.split()), text, html
        except TemplateDoesNotExist:
            continue
    raise TemplateDoesNotExist(f"{template}.<locale>.subject.txt")


def send_email(*, to, template, kind, locale=None, context=None, attachments=(), related=None, headers=None):
    """Render now, record an EmailLog, and send it from a Celery task once the transaction commits."""
    locale = (locale or settings.LANGUAGE_CODE)[:2]
    subject, text, html = render_email(template, locale, {"site_url": settings.SITE_URL, **(context or {})})
    log = EmailLog.objects.create(
        recipient=to,
        kind=kind,
        locale=locale,
        subject=subject[:255],
        body_text=text,
        body_html=html,
        headers=headers or {},
        attachments=list(attachments),
        related_type=ContentType.objects.get_for_model(related) if related is not None else None,
        related_id=str(related.pk) if related is not None else "",
    )
    from notifications.tasks import deliver_email

    transaction.on_commit(lambda: deliver_email.delay(log.pk))
    return log
