"""``python -m bot``: read settings, start logging, run the bot until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from . import create_bot
from .config import ConfigError, Settings, load_settings
from .logs import setup_logging

log = logging.getLogger("bot")


async def run(settings: Settings) -> None:
    bot = create_bot(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with bot:
        runner = asyncio.create_task(bot.start(settings.discord_token.get_secret_value()))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("Shutting down")
        await bot.close()
        stopper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner  # re-raises a login failure such as a bad token
    log.info("Stopped cleanly")


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as err:
        print(f"Configuration error: {err}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, secrets=[settings.discord_token, settings.vivix_api_key])
    try:
        asyncio.run(run(settings))
    except KeyboardInterrupt:
        pass
    except Exception as err:  # one line for the admin; the traceback went to the log
        log.exception("The bot stopped on an error")
        print(f"The bot stopped: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
