"""Uploaded files: what may be served by URL, and how.

Only public files have a URL: product images (`catalog/images/`) and article covers
(`blog/covers/`), served here at `/media/catalog/images/...` in every profile (or, on an S3-compatible storage, by the storage's
own URLs). Everything else in the storage is private (invoice PDFs, generated artifacts, ticket
attachments, the files digital products deliver): it is handed out only by the download views,
which check who is asking, and `/media/` answers 404 for it, with or without DEBUG.
"""

import mimetypes
import posixpath

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

PUBLIC_PREFIXES = ("catalog/images/", "blog/covers/")


def is_public(name):
    normalized = posixpath.normpath(name)
    return normalized == name and not name.startswith(("/", "..")) and "\\" not in name and name.startswith(PUBLIC_PREFIXES)


@require_safe
def public_media(request, path):
    if not is_public(path) or not default_storage.exists(path):
        raise Http404("No such file.")
    response = FileResponse(default_storage.open(path), content_type=mimetypes.guess_type(path)[0] or "application/octet-stream")
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
