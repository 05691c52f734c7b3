"""The offline provider: no network, no key, and it says so on every artifact.

Images are drawn procedurally from the prompt with Pillow, ebooks laid out as real PDFs by
WeasyPrint from the customer's title and outline, speech comes from espeak-ng when it is
installed, videos are MP4 files assembled from drawn frames by imageio-ffmpeg's own ffmpeg.
Chat needs a model, so it is offered only when a local OpenAI-compatible endpoint is set.
"""

import hashlib
import io
import logging
import random
import shutil
import subprocess
import tempfile
import textwrap
from datetime import date
from html import escape
from pathlib import Path

import imageio_ffmpeg
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageDraw

from core.fonts import image_font
from generation.providers import openai_compat
from generation.providers.base import Capability, ModelPrice, OutputFile, PriceTable, Provider, ProviderError, Result

logger = logging.getLogger("webox.generation.offline")
LABEL = "WeBox offline"
VIDEO_FPS = 12
VIDEO_SIZES = {"16:9": (640, 360), "9:16": (360, 640), "1:1": (480, 480)}
VOICES = (
    ("en", gettext_lazy("English")),
    ("en-us", gettext_lazy("English (US)")),
    ("fr", gettext_lazy("French")),
    ("es", gettext_lazy("Spanish")),
    ("de", gettext_lazy("German")),
)


def _rng(prompt, salt=""):
    return random.Random(hashlib.sha256(f"{prompt}|{salt}".encode()).digest())


def _font(size):
    return image_font(size)


def _palette(rng):
    return [tuple(rng.randrange(40, 230) for _channel in range(3)) for _color in range(5)]


def draw_scene(prompt, size, *, salt="", phase=0.0):
    """A picture derived from the prompt: gradient, shapes, the prompt and the offline label.
    `phase` (0..1) moves the shapes, for video frames."""
    width, height = size
    rng = _rng(prompt, salt)
    colors = _palette(rng)
    image = Image.new("RGB", size, colors[0])
    draw = ImageDraw.Draw(image)
    top, bottom = colors[0], colors[1]
    for y in range(height):
        t = y / max(height - 1, 1)
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    for _shape in range(12):
        cx, cy = rng.random() * width, rng.random() * height
        dx, dy = (rng.random() - 0.5) * width * 0.6, (rng.random() - 0.5) * height * 0.6
        radius = rng.randrange(max(width, height) // 20, max(width, height) // 5)
        x, y = cx + dx * phase, cy + dy * phase
        shape = rng.choice(("ellipse", "rectangle", "polygon"))
        color = rng.choice(colors[2:])
        box = [x - radius, y - radius, x + radius, y + radius]
        if shape == "ellipse":
            draw.ellipse(box, outline=color, width=max(2, radius // 8))
        elif shape == "rectangle":
            draw.rectangle(box, fill=color)
        else:
            draw.polygon([(x, y - radius), (x + radius, y + radius), (x - radius, y + radius)], fill=color)
    font = _font(max(12, width // 28))
    lines = textwrap.wrap(prompt, width=max(16, width // (font.size // 2 + 1)))[:4]
    text_y = height - (len(lines) + 2) * font.size * 1.3
    draw.rectangle([0, text_y - 8, width, height], fill=(0, 0, 0))
    for i, line in enumerate(lines):
        draw.text((12, text_y + i * font.size * 1.3), line, fill=(255, 255, 255), font=font)
    draw.text((12, height - font.size * 1.5), f"{LABEL} · procedural, not AI", fill=(255, 210, 80), font=font)
    return image


def make_images(prompt, params):
    files = []
    for index in range(params["count"]):
        out = io.BytesIO()
        image = draw_scene(prompt, (params["width"], params["height"]), salt=str(index))
        image.save(out, format="PNG", pnginfo=_png_info(prompt))
        files.append(OutputFile(f"offline-image-{index + 1}.png", out.getvalue(), "image/png"))
    return files


def _png_info(prompt):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Software", LABEL)
    info.add_text("Description", prompt[:500])
    return info


EBOOK_CSS = """
@page { size: A5; margin: 18mm 16mm; @bottom-center { content: counter(page); font-size: 9pt; color: #666; }
        @bottom-right { content: "WeBox offline"; font-size: 7pt; color: #999; } }
@page :first { @bottom-center { content: none; } }
body { font-family: "DejaVu Serif", serif; font-size: 11pt; line-height: 1.5; }
.cover { page-break-after: always; text-align: center; padding-top: 35%; }
.cover h1 { font-size: 26pt; margin-bottom: 1em; }
.cover p { color: #555; }
.toc { page-break-after: always; }
.toc a { color: inherit; text-decoration: none; }
.toc a::after { content: leader('.') target-counter(attr(href), page); }
.toc li { list-style: none; margin: .3em 0; }
.chapter { page-break-before: always; }
.notes { border-top: 1px solid #ccc; height: 6cm; margin: 0; background: repeating-linear-gradient(#fff, #fff 22px, #ddd 23px); }
.note-page .notes { height: 14cm; }
.note-page { page-break-before: always; }
"""


def ebook_html(prompt, params):
    """The manuscript: cover, table of contents, and each chapter with its brief and ruled pages
    up to the requested length (the offline provider lays out, it does not write)."""
    title = escape(params["title"])
    chapters = params["chapters"]
    # Cover and contents take two pages; the rest is shared among the chapters.
    body_pages = max(params["pages"] - 2, len(chapters))
    per_chapter = [body_pages // len(chapters) + (1 if i < body_pages % len(chapters) else 0) for i in range(len(chapters))]
    toc = "".join(f'<li><a href="#ch{i}">{i}. {escape(name)}</a></li>' for i, name in enumerate(chapters, start=1))
    parts = []
    for i, (name, pages) in enumerate(zip(chapters, per_chapter, strict=True), start=1):
        notes = '<div class="note-page"><div class="notes"></div></div>' * (pages - 1)
        parts.append(
            f'<section class="chapter" id="ch{i}"><h2>Chapter {i}. {escape(name)}</h2>'
            f"<p>This chapter of <em>{title}</em> covers “{escape(name)}”.</p>"
            f"<p><strong>Brief:</strong> {escape(prompt[:600])}</p>"
            f'<p class="hint">Laid out offline by WeBox: the pages below are ready for the text.</p>'
            f'<div class="notes"></div>{notes}</section>'
        )
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title><style>{EBOOK_CSS}</style></head><body>"
        f'<div class="cover"><h1>{title}</h1><p>{escape(prompt[:300])}</p><p>{LABEL} edition</p></div>'
        f'<div class="toc"><h2>Contents</h2><ol>{toc}</ol></div>{"".join(parts)}</body></html>'
    )


def make_ebook(prompt, params):
    from weasyprint import HTML

    pdf = HTML(string=ebook_html(prompt, params)).write_pdf()
    slug = "".join(c if c.isalnum() else "-" for c in params["title"].lower()).strip("-")[:60] or "ebook"
    return [OutputFile(f"{slug}-offline.pdf", pdf, "application/pdf")]


def make_video(prompt, params, report):
    """An MP4 of `duration` seconds at VIDEO_FPS, frames drawn from the prompt."""
    size = VIDEO_SIZES[params["aspect"]]
    total = params["duration"] * VIDEO_FPS
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "video.mp4"
        writer = imageio_ffmpeg.write_frames(
            str(path),
            size,
            fps=VIDEO_FPS,
            codec="libx264",
            pix_fmt_out="yuv420p",
            macro_block_size=8,
            output_params=["-metadata", f"comment={LABEL}", "-metadata", f"title={prompt[:100]}"],
        )
        writer.send(None)
        try:
            for index in range(total):
                writer.send(draw_scene(prompt, size, phase=index / max(total - 1, 1)).tobytes())
                if index % VIDEO_FPS == 0:
                    report(int(90 * index / total))
        finally:
            writer.close()
        return [OutputFile("offline-video.mp4", path.read_bytes(), "video/mp4")]


def espeak_path():
    return shutil.which("espeak-ng")


def make_audio(prompt, params):
    """Speech from espeak-ng (WAV), converted to MP3 by the bundled ffmpeg when asked."""
    voice = params.get("voice") or VOICES[0][0]
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "speech.wav"
        run = subprocess.run(
            [espeak_path(), "-v", voice, "-w", str(wav), "--", prompt], capture_output=True, timeout=120, check=False
        )
        if run.returncode != 0:
            logger.error("espeak_failed stderr=%s", run.stderr.decode(errors="replace")[:200])
            raise ProviderError(_("The speech synthesizer failed on this text."))
        if params["format"] == "wav":
            return [OutputFile("offline-speech.wav", wav.read_bytes(), "audio/wav")]
        mp3 = Path(folder) / "speech.mp3"
        subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(wav), "-metadata", f"comment={LABEL}", str(mp3)],
            capture_output=True,
            timeout=120,
            check=True,
        )
        return [OutputFile("offline-speech.mp3", mp3.read_bytes(), "audio/mpeg")]


class OfflineProvider(Provider):
    name = "offline"
    label = gettext_lazy("Offline (no AI service)")
    key_variable = ""

    def is_configured(self):
        return True

    @property
    def capabilities(self):
        caps = {
            "image": Capability(models=("offline-canvas",)),
            "ebook": Capability(models=("offline-press",)),
            "video": Capability(models=("offline-reel",), aspects=tuple(VIDEO_SIZES)),
        }
        if espeak_path():
            caps["audio"] = Capability(models=("offline-espeak",), voices=VOICES, formats=("mp3", "wav"))
        local = self._local_chat()
        if local.is_configured():
            caps["chat"] = local.capabilities["chat"]
        return caps

    @property
    def prices(self):
        models = {
            m: ModelPrice(per_image=0, per_1k_characters=0, per_second=0)
            for m in ("offline-canvas", "offline-espeak", "offline-reel")
        }
        models["offline-press"] = ModelPrice()
        models.update(self._local_chat().prices.models)
        return PriceTable(read_on=date(2026, 11, 21), source="no provider: generated on our own servers", models=models)

    def unavailable(self):
        """Kinds the offline provider cannot do here, and why, as customers read it in the studio
        (what to configure is for staff: the admin's providers page and docs name the variables)."""
        reasons = {}
        if not espeak_path():
            reasons["audio"] = _("Audio generation is not available on this platform yet.")
        if "chat" not in self.capabilities:
            reasons["chat"] = _("Chat is not available on this platform yet.")
        return reasons

    def describe(self):
        return {**super().describe(), "unavailable": self.unavailable()}

    @staticmethod
    def _local_chat():
        return openai_compat.provider

    def run(self, job, report):
        prompt, params = job.prompt, job.parameters
        report(5)
        if job.kind == "image":
            return Result(files=make_images(prompt, params))
        if job.kind == "ebook":
            return Result(files=make_ebook(prompt, params))
        if job.kind == "video":
            return Result(files=make_video(prompt, params, report))
        if job.kind == "audio":
            return Result(files=make_audio(prompt, params))
        return self._local_chat().run(job, report)


provider = OfflineProvider()
