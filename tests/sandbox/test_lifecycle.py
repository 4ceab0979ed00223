"""A job's life: pending, processing, completed or failed, and what it costs."""

from __future__ import annotations

import io
import struct
import wave
import zlib
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from bot.sandbox import SandboxClock, SandboxServer, SandboxState
from tests.sandbox.conftest import IMAGE, PRO, VIDEO, auth


def submit(client: httpx.Client, body: dict[str, object]) -> dict[str, object]:
    answer = client.post("/generate", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def poll(client: httpx.Client, generation_id: object) -> dict[str, object]:
    answer = client.get(f"/generations/{generation_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_image_goes_pending_processing_completed(
    client: httpx.Client, clock: SandboxClock, state: SandboxState
) -> None:
    created = submit(client, IMAGE)
    assert created["status"] == "pending"
    assert created["model"] == "grok-imagine-image-quality"
    assert created["credits_estimate"] == 140  # 2K by default
    assert state.balance(PRO) == 15000 - 140

    assert poll(client, created["generation_id"])["status"] == "pending"
    clock.advance(3)
    processing = poll(client, created["generation_id"])
    assert processing["status"] == "processing"
    assert processing["elapsed_ms"] == 3000
    assert "output_url" not in processing

    clock.advance(state.seconds_to_finish(str(created["generation_id"])))
    done = poll(client, created["generation_id"])
    assert done["status"] == "completed"
    assert done["credits_used"] == 126  # square frames are billed under the estimate
    assert 9600 <= done["duration_ms"] <= 15000  # ~12 s with jitter
    assert done["output_urls"] == [done["output_url"]]
    assert str(done["output_url"]).startswith(client.base_url.scheme + "://127.0.0.1:")
    started = datetime.fromisoformat(str(done["created_at"]))
    ended = datetime.fromisoformat(str(done["completed_at"]))
    assert abs((ended - started).total_seconds() - done["duration_ms"] / 1000) <= 1
    assert state.balance(PRO) == 15000 - 126  # the difference is refunded


def test_number_results_gives_one_url_each_and_multiplies_the_estimate(
    client: httpx.Client, clock: SandboxClock
) -> None:
    created = submit(client, {**IMAGE, "resolution": "4K", "aspect_ratio": "16:9", "number_results": 3})
    assert created["credits_estimate"] == 3 * 211
    clock.advance(60)
    done = poll(client, created["generation_id"])
    assert done["credits_used"] == 3 * 211
    urls = done["output_urls"]
    assert isinstance(urls, list) and len(urls) == 3 and len(set(urls)) == 3
    assert [u.rsplit("-", 1)[1] for u in urls] == ["1.png", "2.png", "3.png"]


def test_fail_marker_fails_and_refunds_everything(
    client: httpx.Client, clock: SandboxClock, state: SandboxState
) -> None:
    created = submit(client, {**VIDEO, "prompt": "a crash [fail] please"})
    assert state.balance(PRO) == 15000 - int(str(created["credits_estimate"]))
    clock.advance(200)
    failed = poll(client, created["generation_id"])
    assert failed["status"] == "failed"
    assert failed["error"] == "PROVIDER_ERROR"
    assert failed["message"]
    assert failed["credits_used"] == 0
    assert "completed_at" in failed and "output_url" not in failed
    assert state.balance(PRO) == 15000


@pytest.fixture
def always_failing() -> Iterator[tuple[SandboxServer, SandboxClock]]:
    clock = SandboxClock()
    with SandboxServer(SandboxState(clock=clock, seed=3, failure_rate=1.0)) as server:
        yield server, clock


def test_failure_rate_fails_jobs(always_failing: tuple[SandboxServer, SandboxClock]) -> None:
    server, clock = always_failing
    with httpx.Client(base_url=server.base_url, headers=auth(PRO)) as client:
        created = submit(client, IMAGE)
        clock.advance(20)
        assert poll(client, created["generation_id"])["status"] == "failed"
        assert server.state.balance(PRO) == 15000


def test_time_scale_shortens_every_duration() -> None:
    clock = SandboxClock()
    with (
        SandboxServer(SandboxState(clock=clock, time_scale=0.1)) as fast,
        SandboxServer(SandboxState(clock=clock, time_scale=1.0)) as normal,
        httpx.Client(headers=auth(PRO)) as client,
    ):
        fast_id = client.post(f"{fast.base_url}/generate", json=VIDEO).json()["generation_id"]
        normal_id = client.post(f"{normal.base_url}/generate", json=VIDEO).json()["generation_id"]
        clock.advance(12)  # a scaled video takes at most 90 * 1.25 * 0.1 s
        assert client.get(f"{fast.base_url}/generations/{fast_id}").json()["status"] == "completed"
        assert client.get(f"{normal.base_url}/generations/{normal_id}").json()["status"] == "processing"
        clock.advance(101)
        assert client.get(f"{normal.base_url}/generations/{normal_id}").json()["status"] == "completed"


def test_durations_follow_the_category(client: httpx.Client, state: SandboxState) -> None:
    bodies = {
        "image": IMAGE,
        "video": VIDEO,
        "audio": {"model": "stable-audio-2.5", "prompt": "rain"},
        "utility": {"model": "topaz-upscale", "prompt": "cat", "reference_images": ["https://x.test/a.png"]},
    }
    typical = {"image": 12, "video": 90, "audio": 30, "utility": 6}
    for category, body in bodies.items():
        generation_id = str(submit(client, body)["generation_id"])
        seconds = state.seconds_to_finish(generation_id)
        assert typical[category] * 0.8 <= seconds <= typical[category] * 1.25, category


def _png_chunks(data: bytes) -> dict[bytes, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks: dict[bytes, bytes] = {}
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        tag, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(tag + body) & 0xFFFFFFFF
        chunks[tag] = chunks.get(tag, b"") + body
        at += 12 + length
    return chunks


def test_completed_image_serves_a_real_png(client: httpx.Client, clock: SandboxClock) -> None:
    created = submit(client, {**IMAGE, "aspect_ratio": "16:9"})
    url = (
        f"{client.base_url.scheme}://{client.base_url.netloc.decode()}/files/{created['generation_id']}-1.png"
    )
    assert httpx.get(url).status_code == 404  # not before completion
    clock.advance(20)
    done = poll(client, created["generation_id"])
    assert done["output_url"] == url
    image = httpx.get(url)  # public: no auth
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    chunks = _png_chunks(image.content)
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (width, height, depth, colour) == (96, 54, 8, 2)
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + 3 * width)
    assert b"IEND" in chunks


def test_audio_serves_a_wav_and_video_a_video(client: httpx.Client, clock: SandboxClock) -> None:
    audio = submit(client, {"model": "stable-audio-2.5", "prompt": "rain on a tin roof"})
    video = submit(client, VIDEO)
    clock.advance(200)
    wav = httpx.get(str(poll(client, audio["generation_id"])["output_url"]))
    assert wav.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(wav.content)) as sound:
        assert sound.getnframes() > 0 and sound.getnchannels() == 1
    clip = httpx.get(str(poll(client, video["generation_id"])["output_url"]))
    assert clip.status_code == 200
    assert clip.headers["content-type"].startswith("video/")
    assert clip.content[4:8] == b"ftyp"


def test_retention_window_forgets_old_jobs() -> None:
    clock = SandboxClock()
    with SandboxServer(SandboxState(clock=clock, retention_seconds=3600)) as server:
        with httpx.Client(base_url=server.base_url, headers=auth(PRO)) as client:
            created = submit(client, IMAGE)
            clock.advance(3000)
            assert poll(client, created["generation_id"])["status"] == "completed"
            clock.advance(700)
            gone = client.get(f"/generations/{created['generation_id']}")
            assert gone.status_code == 404
            assert gone.json()["error"] == "NOT_FOUND"
