"""Attachment checks on the content, never the name: a renamed executable stays refused."""

import filetype

from core.errors import ValidationFailed
from support import conf

# Binary types recognised from their magic bytes.
ALLOWED_BINARY = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "application/zip": "zip",
}
# Text has no magic bytes: accepted when it decodes as UTF-8 without NUL bytes and is named as text.
TEXT_TYPES = {".txt": "text/plain", ".log": "text/plain", ".csv": "text/csv"}


def _refuse(message, code):
    raise ValidationFailed(message, code=code, fields={"attachments": [message]})


def _suffix(name):
    return ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""


def sniff(upload):
    """The content type of an uploaded file from its bytes, or a ValidationFailed naming the file."""
    name = upload.name or "file"
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime in ALLOWED_BINARY:
            return kind.mime
        _refuse(f"“{name}” is a {kind.extension.upper()} file, which is not accepted.", "attachment_type_refused")
    text_type = TEXT_TYPES.get(_suffix(name))
    if text_type:
        content = upload.read()
        upload.seek(0)
        if b"\x00" not in content:
            try:
                content.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                return text_type
    _refuse(
        f"“{name}” is not an accepted file type. Attach images (JPEG, PNG, GIF, WebP), PDF, text, CSV, logs or ZIP.",
        "attachment_type_refused",
    )


def validate(uploads):
    """Check every file before anything is stored; returns [(upload, content_type)]."""
    uploads = list(uploads or [])
    if len(uploads) > conf.MAX_ATTACHMENTS:
        _refuse(f"At most {conf.MAX_ATTACHMENTS} attachments per message.", "too_many_attachments")
    checked = []
    for upload in uploads:
        if upload.size > conf.MAX_ATTACHMENT_BYTES:
            limit_mb = conf.MAX_ATTACHMENT_BYTES // (1024 * 1024)
            _refuse(f"“{upload.name}” is larger than {limit_mb} MB.", "attachment_too_large")
        if upload.size == 0:
            _refuse(f"“{upload.name}” is empty.", "attachment_empty")
        checked.append((upload, sniff(upload)))
    return checked
