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


# Both database engines (tests.backends): `backend`, `db_target`, `postgres_url`, `postgres_server`.
from tests.backends import backend, db_target, postgres_server, postgres_url  # noqa: E402, F401
