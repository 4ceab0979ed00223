"""A real sandbox server on 127.0.0.1 per test, driven by a manual clock."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.sandbox import SandboxServer

PRO = "vvx_sandbox_pro"
ULTIMATE = "vvx_sandbox_ultimate"
STANDARD = "vvx_sandbox_standard"
LIMITED = "vvx_sandbox_limited"

IMAGE = {"model": "grok-imagine-image-quality", "prompt": "a misty forest at dawn"}
VIDEO = {"model": "wan-2.7-text-to-video", "prompt": "neon-lit Tokyo street", "duration": 5}


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def client(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers=auth(PRO), timeout=5.0) as http:
        yield http
