"""The Vivix client against a real sandbox server on 127.0.0.1, with a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sandbox import SandboxServer
from bot.vivix.client import VivixClient

PRO = "vvx_sandbox_pro"


class RecordedSleeps(list[float]):
    """Stands in for asyncio.sleep in backoff: records each delay instead of waiting it out."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()


@pytest.fixture
async def client(server: SandboxServer, sleeps: RecordedSleeps) -> AsyncIterator[VivixClient]:
    async with VivixClient(server.base_url, PRO, sleep=sleeps, timeout=2.0) as api:
        yield api


def client_for(server: SandboxServer, key: str, **kwargs: object) -> VivixClient:
    return VivixClient(server.base_url, key, **kwargs)  # type: ignore[arg-type]
