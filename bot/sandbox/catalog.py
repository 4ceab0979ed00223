"""The sandbox's model catalogue: schemas as the API publishes them, plus price and timing.

Prices are deterministic: ``estimate`` is the upper price for the given params,
``used`` the final charge, never above it and lower for some params.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Pricing = Callable[[dict[str, Any]], tuple[int, int]]
"""Takes the resolved params (defaults filled in), returns ``(estimate, used)``."""

MAX_PROMPT = 2000
"""The general prompt cap, applied even when a schema names no ``max_length``."""


@dataclass(frozen=True)
class SandboxModel:
    slug: str
    name: str
    category: str
    creator: str
    description: str
    params: dict[str, dict[str, Any]]
    credits_band: tuple[int, int]
    example_request: dict[str, Any]
    price: Pricing
    base_seconds: float
    """Typical time from submit to completion, before jitter and time scale."""
    extension: str
    """File extension of the outputs; decides what ``/files/`` serves."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Extra top-level keys published as-is (to exercise client tolerance)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "category": self.category,
            "creator": self.creator,
            "description": self.description,
            "params": self.params,
            "credits_band": {"min": self.credits_band[0], "max": self.credits_band[1]},
            "example_request": self.example_request,
            **self.extra,
        }


def _grok_price(p: dict[str, Any]) -> tuple[int, int]:
    per = {"1K": 80, "2K": 140, "4K": 211}[p["resolution"]]
    n = p["number_results"]
    # Square frames render fewer pixels: billed 10% under the estimate above 1K.
    used = per if p["aspect_ratio"] != "1:1" or p["resolution"] == "1K" else per * 9 // 10
    return per * n, used * n


def _flash_price(p: dict[str, Any]) -> tuple[int, int]:
    n = p["number_results"]
    # Seeded runs hit the provider's cache: 8 instead of 12 per image.
    return 12 * n, (8 if p.get("seed") is not None else 12) * n


def _wan_price(p: dict[str, Any]) -> tuple[int, int]:
    d = p["duration"]
    rate = {"720p": 50, "1080p": 90}[p["resolution"]]
    estimate = 300 + d * (rate + (24 if p["audio"] else 0))
    used = 300 + d * (rate + (16 if p["audio"] else 0))  # audio track billed at 16/s, estimated at 24/s
    return estimate, used


def _kling_price(p: dict[str, Any]) -> tuple[int, int]:
    d = p["duration"]
    rate = {"720p": 40, "1080p": 80, "2160p": 130}[p["resolution"]]
    estimate = 300 + d * rate
    # Portrait and square clips are billed at 90% of the landscape estimate.
    used = estimate if p["aspect_ratio"] == "16:9" else estimate * 9 // 10
    return estimate, used


def _music_price(p: dict[str, Any]) -> tuple[int, int]:
    d = p["duration"]
    estimate = 20 + 2 * d
    return estimate, estimate - 5 if p["instrumental"] else estimate  # no vocal pass: 5 off


def _upscale_price(p: dict[str, Any]) -> tuple[int, int]:
    price = {"2x": 16, "4x": 40}[p["scale"]]
    return price, price


def _mesh_price(p: dict[str, Any]) -> tuple[int, int]:
    return 300, 250 if p["format"] == "glb" else 300


MODELS: tuple[SandboxModel, ...] = (
    SandboxModel(
        slug="grok-imagine-image-quality",
        name="Grok Imagine Image Quality",
        category="image",
        creator="xAI",
        description="Photorealistic 4K stills. Strong on light, texture and legible text.",
        params={
            "prompt": {"type": "string", "required": True, "max_length": 2000},
            "aspect_ratio": {"type": "enum", "values": ["1:1", "4:5", "9:16", "16:9"], "default": "1:1"},
            "resolution": {"type": "enum", "values": ["1K", "2K", "4K"], "default": "2K"},
            "number_results": {"type": "integer", "min": 1, "max": 4, "default": 1},
        },
        credits_band=(80, 211),
        example_request={
            "model": "grok-imagine-image-quality",
            "prompt": "a misty forest at dawn, cinematic 24mm",
            "aspect_ratio": "16:9",
            "resolution": "4K",
        },
        price=_grok_price,
        base_seconds=12.0,
        extension="png",
    ),
    SandboxModel(
        slug="flux-2-flash",
        name="FLUX.2 Flash",
        category="image",
        creator="Black Forest Labs",
        description="Fast, cheap drafts in a few seconds. Good for iterating on a prompt.",
        params={
            "prompt": {"type": "string", "required": True, "max_length": 1000},
            "negative_prompt": {"type": "string", "max_length": 500},
            "aspect_ratio": {"type": "enum", "values": ["1:1", "16:9", "9:16"], "default": "1:1"},
            "seed": {"type": "integer", "min": 0, "max": 2147483647},
            "number_results": {"type": "integer", "min": 1, "max": 4, "default": 1},
        },
        credits_band=(8, 12),
        example_request={"model": "flux-2-flash", "prompt": "a red fox in the snow, watercolour"},
        price=_flash_price,
        base_seconds=4.0,
        extension="png",
    ),
    SandboxModel(
        slug="wan-2.7-text-to-video",
        name="Wan 2.7 Text to Video",
        category="video",
        creator="Alibaba",
        description="Text-to-video up to 10 seconds, with an optional synced audio track.",
        params={
            "prompt": {"type": "string", "required": True},
            "duration": {"type": "integer", "min": 2, "max": 10, "default": 5},
            "resolution": {"type": "enum", "values": ["720p", "1080p"], "default": "1080p"},
            "audio": {"type": "boolean", "default": False},
        },
        credits_band=(400, 1440),
        example_request={
            "model": "wan-2.7-text-to-video",
            "prompt": "neon-lit Tokyo street, cinematic",
            "duration": 5,
        },
        price=_wan_price,
        base_seconds=90.0,
        extension="mp4",
    ),
    SandboxModel(
        slug="kling-3-video",
        name="Kling 3 Video",
        category="video",
        creator="Kuaishou",
        description="Cinematic clips in landscape, portrait or square, up to 4K.",
        params={
            "prompt": {"type": "string", "required": True, "max_length": 2000},
            "negative_prompt": {"type": "string", "max_length": 500},
            "aspect_ratio": {"type": "enum", "values": ["16:9", "9:16", "1:1"], "default": "16:9"},
            "duration": {"type": "integer", "min": 5, "max": 10, "default": 5},
            "resolution": {"type": "enum", "values": ["720p", "1080p", "2160p"], "default": "1080p"},
            "reference_images": {"type": "string[]", "max_items": 1},  # image-to-video: animates the first
        },
        credits_band=(450, 1600),
        example_request={
            "model": "kling-3-video",
            "prompt": "a paper boat on a rainy street",
            "aspect_ratio": "9:16",
        },
        price=_kling_price,
        base_seconds=120.0,
        extension="mp4",
    ),
    SandboxModel(
        slug="stable-audio-2.5",
        name="Stable Audio 2.5",
        category="audio",
        creator="Stability AI",
        description="Music and sound effects from a text description, up to two minutes.",
        params={
            "prompt": {"type": "string", "required": True, "max_length": 1000},
            "duration": {"type": "integer", "min": 5, "max": 120, "default": 30},
            "instrumental": {"type": "boolean", "default": True},
        },
        credits_band=(25, 260),
        example_request={
            "model": "stable-audio-2.5",
            "prompt": "lo-fi beat with vinyl crackle",
            "duration": 20,
        },
        price=_music_price,
        base_seconds=30.0,
        extension="wav",
    ),
    SandboxModel(
        slug="topaz-upscale",
        name="Topaz Upscale",
        category="utility",
        creator="Topaz Labs",
        description="Upscales the first reference image 2x or 4x; the prompt names what it shows.",
        params={
            "prompt": {"type": "string", "required": True, "max_length": 500},
            "reference_images": {"type": "string[]", "required": True, "max_items": 3},
            "scale": {"type": "enum", "values": ["2x", "4x"], "default": "2x"},
        },
        credits_band=(16, 40),
        example_request={
            "model": "topaz-upscale",
            "prompt": "portrait photo",
            "reference_images": ["https://example.com/portrait.png"],
            "scale": "4x",
        },
        price=_upscale_price,
        base_seconds=6.0,
        extension="png",
    ),
    # Deliberately odd: an unknown category, a param kind the doc does not list and
    # extra keys, so clients prove they keep what they do not understand.
    SandboxModel(
        slug="rodin-mesh-preview",
        name="Rodin Mesh (preview)",
        category="3d",
        creator="Hyper3D",
        description="Text to a textured 3D mesh. Preview: schema may change.",
        params={
            "prompt": {"type": "string", "required": True, "max_length": 800},
            "guidance": {"type": "float", "min": 0.0, "max": 1.0, "default": 0.5, "step": 0.05},
            "format": {"type": "enum", "values": ["glb", "usdz"], "default": "glb", "ui_hint": "segmented"},
        },
        credits_band=(250, 300),
        example_request={"model": "rodin-mesh-preview", "prompt": "a low-poly lighthouse"},
        price=_mesh_price,
        base_seconds=45.0,
        extension="glb",
        extra={"stage": "preview", "tags": ["3d", "mesh"], "pricing_unit": "per_call"},
    ),
)

MODELS_BY_SLUG: dict[str, SandboxModel] = {m.slug: m for m in MODELS}
IMAGE_MODELS: frozenset[str] = frozenset(m.slug for m in MODELS if m.category == "image")
