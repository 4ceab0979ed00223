"""``python -m bot.sandbox``: run the sandbox in the foreground until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from aiohttp import web

from bot.sandbox.admin import admin_help
from bot.sandbox.app import API_PREFIX, create_app
from bot.sandbox.state import SandboxState

log = logging.getLogger(__name__)


def _parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.sandbox",
        description=__doc__,
        epilog=admin_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiplies every job duration")
    parser.add_argument("--failure-rate", type=float, default=0.0, help="chance that a job fails, 0..1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-retry-after", action="store_true", help="omit Retry-After on RATE_LIMIT")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    state = SandboxState(
        time_scale=args.time_scale,
        failure_rate=args.failure_rate,
        seed=args.seed,
        send_retry_after=not args.no_retry_after,
    )
    runner = web.AppRunner(create_app(state), access_log=log if args.verbose else None)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    await site.start()
    port = runner.addresses[0][1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    keys = ", ".join(state.keys())
    print(f"Vivix sandbox on http://{host}:{port}{API_PREFIX} - keys: {keys}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
