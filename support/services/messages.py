"""What is written on a ticket's thread: messages and internal notes with their attachments
(checked against the organization's storage, counted after commit), and the system lines that
record each change."""

from django.conf import settings
from django.db import transaction
from django.utils import translation

from core.i18n import lazy_text
from support import attachments as attachment_checks
from support.models import TicketAttachment, TicketMessage
from support.rendering import render_markdown
from usage import services as usage_services


def _check_storage(organization, checked):
    total = sum(upload.size for upload, _ in checked)
    if total:
        usage_services.check_quota(organization=organization, metric="storage_bytes", amount=total)


def _count_storage(organization, delta_bytes):
    usage_services.adjust_storage(organization=organization, delta_bytes=delta_bytes)


def add_message(ticket, *, author, author_type, body, internal=False, uploads=()):
    message = TicketMessage.objects.create(
        ticket=ticket, author=author, author_type=author_type, body=body, body_html=render_markdown(body), is_internal=internal
    )
    total = 0
    for upload, content_type in uploads:
        TicketAttachment.objects.create(
            message=message,
            organization=ticket.organization,
            file=upload,
            original_name=upload.name[:255],
            content_type=content_type,
            size=upload.size,
        )
        total += upload.size
    if total and author_type == TicketMessage.AuthorType.CUSTOMER:
        # Only the customer's own files count in their storage: staff files are not theirs to pay for.
        organization = ticket.organization
        # After commit, and robust: the message is saved either way; a failed count is logged.
        transaction.on_commit(lambda: _count_storage(organization, total), robust=True)
    return message


def system_message(ticket, text, *, internal=False, **params):
    """A line of the conversation, written once in the organization's language: `text` is a
    gettext_lazy message and `params` its values (choice labels stay lazy until then)."""
    with translation.override(ticket.organization.locale or settings.LANGUAGE_CODE):
        body = str(lazy_text(text, **params))
    return add_message(ticket, author=None, author_type=TicketMessage.AuthorType.SYSTEM, body=body, internal=internal)


def checked_uploads(organization, attachments):
    """Validated uploads; with an organization (a customer's files), within its storage quota."""
    checked = attachment_checks.validate(attachments)
    if organization is not None:
        _check_storage(organization, checked)
    return checked
