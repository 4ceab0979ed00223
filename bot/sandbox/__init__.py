"""A local server speaking the Vivix API v1, for tests and for running without a real key.

Typical test use::

    clock = SandboxClock()
    with SandboxServer(SandboxState(clock=clock, seed=1)) as server:
        ...  # talk to server.base_url with "Bearer vvx_sandbox_pro"; clock.advance(15)
"""

from __future__ import annotations

from bot.sandbox.accounts import BUILTIN_KEYS, Account
from bot.sandbox.app import create_app
from bot.sandbox.catalog import MODELS, SandboxModel
from bot.sandbox.clock import SandboxClock
from bot.sandbox.faults import ROUTES, Fault
from bot.sandbox.generations import SandboxGeneration
from bot.sandbox.server import SandboxServer
from bot.sandbox.state import FAIL_MARKER, SandboxState
from bot.sandbox.stats import SandboxStats

__all__ = [
    "BUILTIN_KEYS",
    "FAIL_MARKER",
    "MODELS",
    "ROUTES",
    "Account",
    "Fault",
    "SandboxClock",
    "SandboxGeneration",
    "SandboxModel",
    "SandboxServer",
    "SandboxState",
    "SandboxStats",
    "create_app",
]
