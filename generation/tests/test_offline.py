"""The offline provider makes real files, and says it is offline on them."""

import io
import tempfile

import imageio_ffmpeg
import pytest
from PIL import Image
from pypdf import PdfReader

from generation.models import GenerationJob
from generation.providers import offline


def run(kind, params, prompt="A lighthouse at dusk"):
    job = GenerationJob(pk=1, kind=kind, provider="offline", model="", prompt=prompt, parameters=params)
    progress = []
    result = offline.provider.run(job, progress.append)
    assert progress
    return result


def test_images_open_at_the_requested_size_and_differ_per_prompt():
    result = run("image", {"width": 320, "height": 200, "count": 2})
    images = [Image.open(io.BytesIO(f.content)) for f in result.files]
    assert [im.size for im in images] == [(320, 200), (320, 200)]
    assert images[0].info["Software"] == "WeBox offline"
    other = run("image", {"width": 320, "height": 200, "count": 1}, prompt="A desert at noon")
    assert other.files[0].content != result.files[0].content


def test_ebook_is_a_pdf_with_cover_contents_and_every_chapter():
    params = {"title": "The Sea Book", "chapters": ["Tides", "Storms", "Harbours"], "pages": 8}
    pdf = PdfReader(io.BytesIO(run("ebook", params).files[0].content))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "The Sea Book" in pdf.pages[0].extract_text()
    assert "Contents" in pdf.pages[1].extract_text()
    for number, chapter in enumerate(params["chapters"], start=1):
        assert f"Chapter {number}. {chapter}" in text
    assert "WeBox offline" in text
    assert len(pdf.pages) == 8


def test_video_is_an_mp4_of_the_requested_duration():
    result = run("video", {"duration": 2, "aspect": "9:16"})
    video = result.files[0]
    assert video.content_type == "video/mp4"
    with tempfile.NamedTemporaryFile(suffix=".mp4") as tmp:
        tmp.write(video.content)
        tmp.flush()
        frames, seconds = imageio_ffmpeg.count_frames_and_secs(tmp.name)
        reader = imageio_ffmpeg.read_frames(tmp.name)
        meta = next(reader)
        reader.close()
    assert frames == 2 * offline.VIDEO_FPS
    assert seconds == pytest.approx(2.0, abs=0.1)
    assert tuple(meta["size"]) == (360, 640)


@pytest.mark.skipif(not offline.espeak_path(), reason="audio is unavailable offline: espeak-ng is not installed")
@pytest.mark.parametrize("fmt, magic", [("wav", b"RIFF"), ("mp3", b"ID3")])
def test_audio_is_spoken_by_espeak(fmt, magic):
    result = run("audio", {"voice": "en", "format": fmt}, prompt="Hello from the offline studio.")
    assert result.files[0].content[:3] == magic[:3]
    assert len(result.files[0].content) > 4000


def test_offline_lists_what_it_cannot_do_here(monkeypatch):
    monkeypatch.setattr(offline, "espeak_path", lambda: None)
    monkeypatch.delenv("OPENAI_COMPAT_BASE_URL", raising=False)
    described = offline.provider.describe()
    assert "offline" in described["name"] and described["configured"]
    assert set(described["kinds"]) == {"image", "ebook", "video"}
    # Customers read these (the studio, the API): no server internals in them.
    assert "audio" in described["unavailable"]["audio"].lower() and "espeak" not in described["unavailable"]["audio"]
    assert "OPENAI_COMPAT" not in described["unavailable"]["chat"]


def test_offline_chat_goes_to_the_local_endpoint_when_configured(monkeypatch):
    monkeypatch.setenv("OPENAI_COMPAT_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("OPENAI_COMPAT_MODELS", "llama3.1:8b")
    assert offline.provider.capabilities["chat"].models == ("llama3.1:8b",)
    assert "chat" not in offline.provider.unavailable()
