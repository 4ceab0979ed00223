"""``python -m bot``: read settings, start logging, run the bot until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

import aiohttp
import discord

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
    except discord.LoginFailure:
        log.error("Discord refused DISCORD_TOKEN: copy the bot token again from the Developer Portal")
        return 1
    except discord.PrivilegedIntentsRequired:
        log.error("Discord refused the gateway intents; see the README's set-up steps")
        return 1
    except (aiohttp.ClientConnectionError, OSError) as err:
        log.error("Could not reach Discord (%s); check the network and try again", type(err).__name__)
        return 1
    except Exception:
        log.exception("The bot stopped on an unexpected error")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
