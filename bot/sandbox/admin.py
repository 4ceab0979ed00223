"""The sandbox's admin routes (``/_sandbox/...``, no auth): the HTTP face of the test controls.

``ADMIN_ROUTES`` is the one list: ``create_app`` registers it and
``python -m bot.sandbox --help`` prints it, example curl lines included.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.sandbox.errors import SandboxError
from bot.sandbox.faults import ROUTES, Fault
from bot.sandbox.state import SandboxState

AdminHandler = Callable[[SandboxState, web.Request], Awaitable[web.Response]]


@dataclass(frozen=True)
class AdminRoute:
    method: str
    path: str
    name: str
    """The aiohttp route name; starts with ``admin`` so faults and counters treat it as admin."""
    handler: AdminHandler
    summary: str
    example: str
    """Curl arguments after ``curl -s``; ``{base}`` stands for the server's origin."""


def add_admin_routes(app: web.Application, state: SandboxState) -> None:
    for route in ADMIN_ROUTES:
        app.router.add_route(route.method, route.path, _bind(route.handler, state), name=route.name)


def admin_help(base: str = "http://127.0.0.1:8787") -> str:
    """The admin routes with a curl line each, for the ``--help`` epilog."""
    lines = ["admin routes, on the same host and port (no Authorization; JSON in and out):"]
    for route in ADMIN_ROUTES:
        lines.append(f"  {route.method:<6} {route.path}")
        lines.append(f"         {route.summary}")
        lines.append(f"         curl -s {route.example.format(base=base)}")
    return "\n".join(lines)


def _bind(handler: AdminHandler, state: SandboxState) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        return await handler(state, request)

    return handle


async def _json_object(request: web.Request) -> dict[str, Any]:
    """The request's JSON object body, whatever its Content-Type; an empty body counts as ``{}``."""
    text = await request.text()
    if not text.strip():
        return {}
    try:
        body = json.loads(text)
    except ValueError as err:
        raise SandboxError(400, "BAD_REQUEST", "The body must be JSON.") from err
    if not isinstance(body, dict):
        raise SandboxError(400, "BAD_REQUEST", "The body must be a JSON object.")
    return body


def _int_field(body: dict[str, Any], name: str, default: int | None = None, *, low: int = 0) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise SandboxError(400, "BAD_REQUEST", f"{name} must be an integer of at least {low}.")
    return value


def _key_control(control: Callable[[SandboxState, str], None]) -> AdminHandler:
    """A handler applying ``control`` to the key in the path, answering the account's new state."""

    async def handle(state: SandboxState, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        try:
            control(state, key)
            return web.json_response(state.account_info(key))
        except KeyError as err:
            raise SandboxError(404, "UNKNOWN_KEY", "No sandbox account has this key.") from err

    return handle


def _no_change(state: SandboxState, key: str) -> None:
    pass


async def _stats(state: SandboxState, request: web.Request) -> web.Response:
    return web.json_response(state.stats().to_json())


async def _add_fault(state: SandboxState, request: web.Request) -> web.Response:
    spec = await _json_object(request)
    route = spec.get("route", "*")
    try:
        if route not in ROUTES:
            raise ValueError(f"route must be one of {ROUTES}")
        status = spec.get("status")
        fault = Fault(
            status=None if status is None else int(status),
            code=spec.get("code"),
            message=spec.get("message", "Injected fault."),
            retry_after=spec.get("retry_after"),
            delay=float(spec.get("delay", 0.0)),
        )
        times = int(spec.get("times", 1))
    except (ValueError, TypeError) as err:
        raise SandboxError(400, "BAD_FAULT", str(err)) from err
    state.inject_fault(route, fault, times)
    return web.json_response({"queued": times, "route": route}, status=201)


async def _clear_faults(state: SandboxState, request: web.Request) -> web.Response:
    state.clear_faults()
    return web.json_response({"cleared": True})


async def _set_balance(state: SandboxState, request: web.Request) -> web.Response:
    credits = _int_field(await _json_object(request), "credits")

    def set_it(state: SandboxState, key: str) -> None:
        state.set_balance(key, credits)

    return await _key_control(set_it)(state, request)


async def _fail_generations(state: SandboxState, request: web.Request) -> web.Response:
    spec = await _json_object(request)
    times = _int_field(spec, "times", 1, low=1)
    code, message, model = spec.get("code", "PROVIDER_ERROR"), spec.get("message"), spec.get("model")
    if not isinstance(code, str) or not all(isinstance(v, str | None) for v in (message, model)):
        raise SandboxError(400, "BAD_REQUEST", "code, message and model must be strings.")
    try:
        state.fail_next_generations(times, code=code, message=message, model=model)
    except ValueError as err:
        raise SandboxError(400, "BAD_REQUEST", str(err)) from err
    return web.json_response({"queued": times, "code": code, "model": model}, status=201)


async def _clear_generation_failures(state: SandboxState, request: web.Request) -> web.Response:
    state.clear_generation_failures()
    return web.json_response({"cleared": True})


_KEY = "/_sandbox/keys/{key}"

ADMIN_ROUTES: tuple[AdminRoute, ...] = (
    AdminRoute(
        "GET", "/_sandbox/stats", "admin-stats", _stats,
        "counters: requests by route, responses by status, 429s by code, jobs created",
        "{base}/_sandbox/stats",
    ),
    AdminRoute(
        "POST", "/_sandbox/faults", "admin-add-fault", _add_fault,
        "replace the next answers of a route (models|generate|generation|files|*) with an error or delay",
        "-X POST {base}/_sandbox/faults -d '{{\"route\": \"generate\", \"status\": 503, \"times\": 2}}'",
    ),
    AdminRoute(
        "DELETE", "/_sandbox/faults", "admin-clear-faults", _clear_faults,
        "drop every queued HTTP fault",
        "-X DELETE {base}/_sandbox/faults",
    ),
    AdminRoute(
        "GET", _KEY, "admin-key", _key_control(_no_change),
        "a key's account: tier, credits, jobs in flight, revoked, tier_locked",
        "{base}/_sandbox/keys/vvx_sandbox_pro",
    ),
    AdminRoute(
        "PUT", f"{_KEY}/balance", "admin-set-balance", _set_balance,
        "set a key's wallet (a submit it cannot cover answers 402 INSUFFICIENT_CREDITS)",
        "-X PUT {base}/_sandbox/keys/vvx_sandbox_pro/balance -d '{{\"credits\": 0}}'",
    ),
    AdminRoute(
        "POST", f"{_KEY}/revoke", "admin-revoke-key", _key_control(SandboxState.revoke_key),
        "every call with the key answers 401 KEY_INVALID; its jobs keep running",
        "-X POST {base}/_sandbox/keys/vvx_sandbox_pro/revoke",
    ),
    AdminRoute(
        "POST", f"{_KEY}/restore", "admin-restore-key", _key_control(SandboxState.restore_key),
        "undo revoke: the same account (wallet, jobs) answers again",
        "-X POST {base}/_sandbox/keys/vvx_sandbox_pro/restore",
    ),
    AdminRoute(
        "POST", f"{_KEY}/lock-tier", "admin-lock-tier", _key_control(SandboxState.lock_tier),
        "every call with the key answers 403 TIER_LOCKED, as after a downgrade",
        "-X POST {base}/_sandbox/keys/vvx_sandbox_pro/lock-tier",
    ),
    AdminRoute(
        "POST", f"{_KEY}/unlock-tier", "admin-unlock-tier", _key_control(SandboxState.unlock_tier),
        "undo lock-tier (a Free or Standard key stays locked by its tier)",
        "-X POST {base}/_sandbox/keys/vvx_sandbox_pro/unlock-tier",
    ),
    AdminRoute(
        "POST", "/_sandbox/generation-failures", "admin-fail-generations", _fail_generations,
        "the next N generations (of one model, if given) are accepted, then end failed with"
        " this error and credits_used 0",
        "-X POST {base}/_sandbox/generation-failures"
        " -d '{{\"times\": 2, \"code\": \"PROVIDER_ERROR\", \"message\": \"GPU fell over\","
        " \"model\": \"flux-2-flash\"}}'",
    ),
    AdminRoute(
        "DELETE", "/_sandbox/generation-failures", "admin-clear-generation-failures",
        _clear_generation_failures,
        "drop every queued generation failure",
        "-X DELETE {base}/_sandbox/generation-failures",
    ),
)
