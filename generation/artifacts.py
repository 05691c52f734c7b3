"""Copying a job's output into our storage, with thumbnails for images and videos."""

import io
import logging
import os
import tempfile

import imageio_ffmpeg
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from usage.selectors import storage_prefix

logger = logging.getLogger("webox.generation")

THUMBNAIL_SIZE = (320, 320)


def folder(job):
    return f"{storage_prefix(job.organization)}generation/{job.pk}/"


def _thumbnail_png(image):
    image = image.convert("RGB")
    image.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _video_first_frame(content):
    """The first frame of a video, decoded by imageio-ffmpeg's own ffmpeg."""
    with tempfile.NamedTemporaryFile(suffix=".mp4") as tmp:
        tmp.write(content)
        tmp.flush()
        frames = imageio_ffmpeg.read_frames(tmp.name)
        meta = next(frames)
        try:
            frame = next(frames)
        finally:
            frames.close()
    return Image.frombytes("RGB", meta["size"], frame)


def thumbnail(output):
    """PNG bytes of a preview for images and videos, None for the rest (or an unreadable file)."""
    try:
        if output.content_type.startswith("image/"):
            return _thumbnail_png(Image.open(io.BytesIO(output.content)))
        if output.content_type.startswith("video/"):
            return _thumbnail_png(_video_first_frame(output.content))
    except (OSError, StopIteration, RuntimeError, ValueError) as exc:
        logger.warning("thumbnail_failed filename=%s error=%s", output.filename, exc)
    return None


def save(job, outputs):
    """Write each output (and its thumbnail) to default_storage; [(fields for Artifact)]."""
    base = folder(job)
    saved = []
    for index, output in enumerate(outputs, start=1):
        name = os.path.basename(output.filename) or f"output-{index}"
        path = default_storage.save(f"{base}{index:02d}-{name}", ContentFile(output.content))
        fields = {"filename": name, "path": path, "content_type": output.content_type, "size_bytes": len(output.content)}
        preview = thumbnail(output)
        if preview:
            fields["thumbnail_path"] = default_storage.save(f"{base}{index:02d}-thumb.png", ContentFile(preview))
            fields["thumbnail_size_bytes"] = len(preview)
        saved.append(fields)
    return saved


def delete(saved):
    for fields in saved:
        for key in ("path", "thumbnail_path"):
            if fields.get(key):
                default_storage.delete(fields[key])
