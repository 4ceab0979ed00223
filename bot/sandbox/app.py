"""The aiohttp application: thin handlers over ``SandboxState``, plus the header quirks."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from typing import Any

from aiohttp import web

from bot.sandbox.accounts import Account
from bot.sandbox.admin import add_admin_routes
from bot.sandbox.errors import SandboxError
from bot.sandbox.faults import Fault
from bot.sandbox.state import SandboxState

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
STATE_KEY = web.AppKey("sandbox_state", SandboxState)
_ACCOUNT = web.RequestKey("sandbox_account", Account)


def create_app(state: SandboxState) -> web.Application:
    app = web.Application(middlewares=[_sandbox_middleware])
    app[STATE_KEY] = state
    app.router.add_get(f"{API_PREFIX}/models", _models, name="models")
    app.router.add_post(f"{API_PREFIX}/generate", _generate, name="generate")
    app.router.add_get(f"{API_PREFIX}/generations/{{generation_id}}", _generation, name="generation")
    app.router.add_get("/files/{name}", _file, name="files")
    add_admin_routes(app, state)
    return app


def _route_name(request: web.Request) -> str:
    name = request.match_info.route.name
    if name is None:
        return "other"
    return "admin" if name.startswith("admin") else name


@web.middleware
async def _sandbox_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    request_id = f"req_{secrets.token_hex(8)}"
    route = _route_name(request)
    state.record_request(route)
    fault = state.take_fault(route) if route != "admin" else None
    code: str | None = None
    response: web.StreamResponse
    try:
        if fault is not None and fault.status is not None:
            if fault.delay > 0:
                await asyncio.sleep(fault.delay)
            code = fault.code
            response = _fault_response(fault)
        else:
            # A slow server does the work, then answers late: a client that timed out
            # meanwhile must not be able to make the same job twice by retrying.
            response = await handler(request)
            if fault is not None and fault.delay > 0:
                await asyncio.sleep(fault.delay)
    except SandboxError as err:
        code = err.code
        response = web.json_response(err.body(), status=err.status, headers=err.headers)
    except web.HTTPException as exc:
        code = "NOT_FOUND" if exc.status == 404 else "HTTP_ERROR"
        response = web.json_response({"error": code, "message": exc.reason}, status=exc.status)
    except Exception:
        # A sandbox bug still answers like the API would, request id included, and says where.
        log.exception("sandbox error on %s %s (%s)", request.method, request.path, request_id)
        code = "INTERNAL_ERROR"
        response = web.json_response({"error": code, "message": "Sandbox internal error."}, status=500)
    account: Account | None = request.get(_ACCOUNT)
    if account is not None:
        response.headers.update(state.account_headers(account))
    response.headers["X-Request-Id"] = request_id
    state.record_response(response.status, code)
    return response


def _fault_response(fault: Fault) -> web.Response:
    headers = {} if fault.retry_after is None else {"Retry-After": f"{fault.retry_after:g}"}
    status = fault.status or 500
    if fault.code is None:
        return web.Response(status=status, text=fault.message, content_type="text/html", headers=headers)
    return web.json_response({"error": fault.code, "message": fault.message}, status=status, headers=headers)


def _authorize(request: web.Request) -> Account:
    state = request.app[STATE_KEY]
    account = state.authenticate(request.headers.get("Authorization"))
    request[_ACCOUNT] = account
    state.require_access(account)
    return account


async def _models(request: web.Request) -> web.Response:
    account = _authorize(request)
    return web.json_response(request.app[STATE_KEY].models_body(account))


async def _generate(request: web.Request) -> web.Response:
    account = _authorize(request)
    raw = await request.read()
    try:
        body: Any = json.loads(raw) if raw else None
    except ValueError:
        body = None
    created = request.app[STATE_KEY].submit(account, body, request.headers.get("Idempotency-Key"))
    return web.json_response(created, status=201)


async def _generation(request: web.Request) -> web.Response:
    account = _authorize(request)
    files_url = f"{request.url.origin()}/files"
    body = request.app[STATE_KEY].generation_body(account, request.match_info["generation_id"], files_url)
    return web.json_response(body)


async def _file(request: web.Request) -> web.Response:
    found = request.app[STATE_KEY].output_file(request.match_info["name"])
    if found is None:
        raise SandboxError(404, "NOT_FOUND", "No such file.")
    data, content_type = found
    return web.Response(body=data, content_type=content_type)
