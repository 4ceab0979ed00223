"""Fixtures shared by the sandbox's own tests and the API client's: a real sandbox on 127.0.0.1
driven by a manual clock (the e2e tests use a clock that follows SimCord instead)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox import SandboxClock, SandboxServer, SandboxState


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(start=1000.0)


@pytest.fixture
def state(clock: SandboxClock) -> SandboxState:
    return SandboxState(clock=clock, seed=7)


@pytest.fixture
def server(state: SandboxState) -> Iterator[SandboxServer]:
    with SandboxServer(state) as running:
        yield running
