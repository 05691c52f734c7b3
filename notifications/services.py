"""The one entry point for telling people things: `notify()` (stored, pushed live, emailed per
kind), `push_event()` (live only: progress, new ticket replies) and `send_email()`.

Apps never call the channel layer or `send_mail` themselves. Pushes and emails leave after the
surrounding transaction commits, so nobody is told about something that was rolled back.
"""

import logging
import uuid
from itertools import islice

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Organization, User
from accounts.selectors import language_for
from core.tasks import TRANSIENT_ERRORS, after_commit, enqueue
from notifications import kinds, live
from notifications.delivery import deliver_email
from notifications.live import EVERYONE, organization_group, user_group
from notifications.models import Broadcast, EmailLog, Notification

logger = logging.getLogger("webox.notifications")


def notify(user_or_org, kind, *, title, body="", link="", context=None, attachments=(), related=None, organization=None):
    """Tell a user (or every member of an organization) about something.

    Stores a Notification per user, pushes it to their open sockets, and queues the kind's email
    (rendered in each user's language with `context`, plus `title`, `body`, `link`, `user`).
    `title` and `body` are read in each user's language (accounts.selectors.language_for): pass
    them as `core.i18n.lazy_text(gettext_lazy("…"), **values)` or `gettext_lazy("…")`.
    `attachments` are dicts {"filename", "path" (storage name), "mimetype"}.

    A user's socket gets the notification with its id and their unread count. An organization's
    members get one group send to the organization (see `_to_audience`).
    """
    spec = kinds.get(kind)
    if isinstance(user_or_org, Organization):
        org = user_or_org
        users = list(org.members.filter(is_active=True))
        languages = {user.pk: language_for(user, org) for user in users}
    else:
        org, users = organization, [user_or_org]
        languages = {user_or_org.pk: language_for(user_or_org, org)}
    texts = _texts(title, body, set(languages.values()))
    created = Notification.objects.bulk_create([_row(user.pk, org, kind, texts[languages[user.pk]], link) for user in users])
    _forget_unread([user.pk for user in users])
    if isinstance(user_or_org, Organization):
        _to_audience(organization_group(org.pk), created, kind, texts, link)
    else:
        note = created[0]
        transaction.on_commit(lambda: _push(note.recipient_id, {**note.as_payload(), "unread": unread_count(note.recipient)}))
    if spec.email_template:
        for user in users:
            language = languages[user.pk]
            user_title, user_body = texts[language]
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


BROADCAST_BATCH = 5000


@transaction.atomic
def broadcast(*, key, title, body="", link="", organization=None):
    """A staff notice to one organization's members, or to every active user: rows bulk-inserted
    in each user's language, then one group send to the audience. Returns how many were written.

    Done once per `key` (a UUID the request that asked for it chose): the broadcast is recorded in
    the same transaction as its rows, so a task retried after a failure, or delivered twice, writes
    nothing the second time (and returns 0)."""
    if not Broadcast.objects.get_or_create(key=key)[1]:
        logger.info("broadcast_done_already key=%s", key)
        return 0
    if organization is not None:
        written = len(notify(organization, "broadcast", title=title, body=body, link=link))
    else:
        written = _to_everyone(title, body, link)
    logger.info("broadcast key=%s recipients=%s", key, written)
    return written


def _to_everyone(title, body, link):
    users = User.objects.filter(is_active=True).select_related("default_organization").order_by("pk")
    users = users.only("pk", "locale", "default_organization__locale")
    texts, written, created = {}, 0, []
    each = users.iterator(chunk_size=BROADCAST_BATCH)
    for chunk in iter(lambda: list(islice(each, BROADCAST_BATCH)), []):
        rows = []
        for user in chunk:
            language = language_for(user)
            if language not in texts:
                texts.update(_texts(title, body, {language}))
            rows.append(_row(user.pk, None, "broadcast", texts[language], link))
        created = Notification.objects.bulk_create(rows)
        written += len(created)
    _forget_unread(everyone=True)
    _to_audience(EVERYONE, created, "broadcast", texts, link)
    return written


def _texts(title, body, languages):
    """{language: (title, body)}: the lazy texts read once per language, not once per recipient."""
    texts = {}
    for language in languages:
        with translation.override(language):
            texts[language] = (str(title), str(body))
    return texts


def _row(user_id, org, kind, text, link):
    return Notification(recipient_id=user_id, organization=org, kind=kind, title=text[0][:200], body=text[1], link=link)


def _to_audience(group, created, kind, texts, link):
    """One group send, after commit, carrying the text in every language the rows were written in;
    each socket shows the one its user reads (consumers.NotificationConsumer.audience)."""
    if not created:
        return
    message = {
        "type": "audience",
        "audience": group,
        "kind": kind,
        "texts": {language: {"title": t, "body": b} for language, (t, b) in texts.items()},
        "link": link,
        "created_at": created[-1].created_at.isoformat(),
    }
    transaction.on_commit(lambda: _send(group, message))


def push_event(user_or_org, event, data):
    """A live-only message (not stored): {"type": event, ...data} to the users' open sockets."""
    if isinstance(user_or_org, Organization):
        users = list(user_or_org.members.filter(is_active=True))
    else:
        users = [user_or_org]
    for user in users:
        transaction.on_commit(lambda uid=user.pk: _push(uid, {"type": event, **data}))


def _push(user_id, payload):
    _send(user_group(user_id), {"type": "push", "payload": payload})


def _send(group, message):
    """A live push is best effort: the notification is stored either way, and a socket that
    reconnects reloads its state. A layer that is down (Redis) is an outage, logged without a
    traceback; anything else is a bug, logged with one."""
    try:
        live.group_send(group, message)
    except TRANSIENT_ERRORS as exc:
        logger.warning("push_failed group=%s error=%s: %s", group, exc.__class__.__name__, exc)
    except Exception:
        logger.exception("push_failed group=%s", group)


UNREAD_CACHE_SECONDS = 300
# A notice to every user changes every unread count: instead of forgetting each user's, it gives
# this key a new value, and a count cached under another one is read again.
UNREAD_EVERYONE_KEY = "notifications:unread:everyone"


def _unread_key(user_id):
    return f"notifications:unread:{user_id}"


def unread_count(user):
    """The user's unread notifications (the badge on every page), cached until a notification of
    theirs is written or read: one cache read per page instead of a count."""
    key = _unread_key(user.pk)
    found = cache.get_many([key, UNREAD_EVERYONE_KEY])
    everyone = found.get(UNREAD_EVERYONE_KEY, "")
    cached = found.get(key)
    if cached is not None and cached[1] == everyone:
        return cached[0]
    count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    cache.set(key, (count, everyone), UNREAD_CACHE_SECONDS)
    return count


def _forget_unread(user_ids=(), *, everyone=False):
    """Drop the cached unread counts the current write changes, now and again after the commit (a
    page may have cached the old count while the transaction was open)."""

    def forget():
        if everyone:
            cache.set(UNREAD_EVERYONE_KEY, uuid.uuid4().hex, None)
        cache.delete_many([_unread_key(user_id) for user_id in user_ids])

    forget()
    after_commit("unread_count_cache", forget)


def mark_read(*, user, notification_id):
    updated = Notification.objects.filter(recipient=user, pk=notification_id, read_at__isnull=True).update(read_at=timezone.now())
    _push_unread(user, updated)
    return updated


def mark_all_read(*, user):
    updated = Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    _push_unread(user, updated)
    return updated


def _push_unread(user, changed):
    """Open sockets keep a running unread count (audience notices add one): tell them it fell."""
    if changed:
        _forget_unread([user.pk])
        transaction.on_commit(lambda: _push(user.pk, {"type": "unread", "unread": unread_count(user)}))


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
    enqueue(deliver_email, log.pk)
    return log
