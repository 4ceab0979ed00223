"""Small but real output files, built with the standard library only (no Pillow)."""

from __future__ import annotations

import hashlib
import io
import json
import math
import struct
import wave
import zlib

CONTENT_TYPES: dict[str, str] = {
    "png": "image/png",
    "wav": "audio/wav",
    "mp4": "video/mp4",
    "glb": "model/gltf-binary",
}

_FRAME_SIZES: dict[str, tuple[int, int]] = {
    "1:1": (64, 64),
    "4:5": (64, 80),
    "9:16": (54, 96),
    "16:9": (96, 54),
}


def render(extension: str, token: str, aspect_ratio: str | None = None) -> tuple[bytes, str]:
    """The bytes and content type of one output; ``token`` makes each output differ."""
    digest = hashlib.sha256(token.encode()).digest()
    if extension == "png":
        width, height = _FRAME_SIZES.get(aspect_ratio or "1:1", (64, 64))
        data = png(width, height, (digest[0], digest[1], digest[2]))
    elif extension == "wav":
        data = wav(220.0 + digest[0] * 2)
    elif extension == "glb":
        data = glb()
    else:
        data = mp4_stub(digest)
    return data, CONTENT_TYPES.get(extension, "application/octet-stream")


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """An RGB PNG: a diagonal gradient tinted by ``rgb``."""
    red, green, blue = rgb
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            shade = (x * 255 // max(width - 1, 1) + y * 255 // max(height - 1, 1)) // 2
            rows += bytes(((red + shade) % 256, (green + shade // 2) % 256, (blue + 255 - shade) % 256))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def wav(frequency: float, seconds: float = 0.5, rate: int = 8000) -> bytes:
    """A mono 16-bit sine tone."""
    frames = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency * i / rate)))
        for i in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


def mp4_stub(filler: bytes) -> bytes:
    """An ``ftyp`` box and a ``free`` box: recognisably MP4, not playable."""
    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"isom", 0x200, b"isom", b"mp41")
    return ftyp + struct.pack(">I4s", 8 + len(filler), b"free") + filler


def glb() -> bytes:
    """A valid, empty glTF 2.0 binary."""
    document = json.dumps({"asset": {"version": "2.0", "generator": "vivix-sandbox"}}).encode()
    document += b" " * (-len(document) % 4)
    chunk = struct.pack("<I4s", len(document), b"JSON") + document
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunk)) + chunk
