"""Test data of the catalog tests: a /models answer shaped like the API doc's JSON, a clock, a source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.vivix.models import ModelInfo, ModelsResponse

IMAGE: dict[str, Any] = {
    "slug": "grok-imagine-image-quality",
    "name": "Grok Imagine Image Quality",
    "category": "image",
    "creator": "xAI",
    "description": "Photorealistic 4K stills. ...",
    "params": {
        "prompt": {"type": "string", "required": True, "max_length": 2000},
        "aspect_ratio": {"type": "enum", "values": ["1:1", "4:5", "9:16", "16:9"], "default": "1:1"},
        "resolution": {"type": "enum", "values": ["1K", "2K", "4K"], "default": "2K"},
        "number_results": {"type": "integer", "min": 1, "max": 4, "default": 1},
    },
    "credits_band": {"min": 80, "max": 211},
    "example_request": {
        "model": "grok-imagine-image-quality",
        "prompt": "a misty forest at dawn, cinematic 24mm",
        "aspect_ratio": "16:9",
        "resolution": "4K",
    },
}
VIDEO: dict[str, Any] = {
    "slug": "wan-2.7-text-to-video",
    "name": "Wan 2.7 Text to Video",
    "category": "video",
    "creator": "Alibaba",
    "description": "Text-to-video up to 10 seconds. ...",
    "params": {
        "prompt": {"type": "string", "required": True},
        "duration": {"type": "integer", "min": 2, "max": 10, "default": 5},
        "resolution": {"type": "enum", "values": ["720p", "1080p"], "default": "1080p"},
        "audio": {"type": "boolean", "default": False},
    },
    "credits_band": {"min": 400, "max": 1440},
    "example_request": {"model": "wan-2.7-text-to-video", "prompt": "neon-lit Tokyo street", "duration": 5},
}
AUDIO: dict[str, Any] = {
    "slug": "echo-sfx-v2",
    "name": "Echo Sound Effects v2",
    "category": "audio",
    "creator": "Echo Labs",
    "params": {
        "prompt": {"type": "string", "required": True, "max_length": 300},
        "duration": {"type": "integer", "min": 1.0, "max": 30.0, "default": 8},
        "voice": {"type": "enum", "values": ["alto", "bass", "tenor"], "required": True},
        "loop": {"type": "boolean"},
    },
    "credits_band": {"min": 20, "max": 60},
    "future_field": {"kept": "ignored"},
}
UTILITY: dict[str, Any] = {
    "slug": "clarity-upscaler",
    "name": "Clarity Upscaler",
    "category": "utility",
    "creator": "Clarity AI",
    "params": {
        "prompt": {"type": "string", "required": True},
        "scale": {"type": "enum", "values": [2, 4], "default": 2},
        "style": {"type": "string", "max_length": 20},
    },
    "credits_band": {"min": 30, "max": 30},
}
ODD: dict[str, Any] = {
    "slug": "holo-mesh-3d",
    "name": "Holo Mesh 3D",
    "category": "3d",
    "creator": "Holo",
    "params": {
        "prompt": {"type": "string", "required": True},
        "mesh_quality": {"type": "vector3", "dims": 3},
    },
    "credits_band": {"min": 100, "max": 500},
    "brand_new": True,
}
CHEAP_IMAGE: dict[str, Any] = {
    "slug": "flux-schnell",
    "name": "Flux Schnell",
    "category": "image",
    "creator": "Black Forest Labs",
    "params": {
        "prompt": {"type": "string", "required": True},
        "seed": {"type": "integer", "min": 0, "max": 4294967295},
    },
    "credits_band": {"min": 10, "max": 40},
}

ALL_MODELS = [IMAGE, VIDEO, AUDIO, UTILITY, ODD, CHEAP_IMAGE]


def response(models: list[dict[str, Any]] | None = None, **extra: Any) -> ModelsResponse:
    body: dict[str, Any] = {
        "tier": "pro",
        "credits_balance": 12847,
        "rate_limit": {"calls_per_minute": 240, "concurrent_jobs": 5},
        "models": ALL_MODELS if models is None else models,
    }
    body.update(extra)
    return ModelsResponse.model_validate(body)


def model(data: dict[str, Any]) -> ModelInfo:
    return ModelInfo.model_validate(data)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeSource:
    """The catalog's collaborator: answers /models from a queue of responses or exceptions."""

    def __init__(self, *answers: ModelsResponse | Exception) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def list_models(self) -> ModelsResponse:
        self.calls += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer
