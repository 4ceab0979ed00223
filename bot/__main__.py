"""``python -m bot``: read settings, start logging, run the bot until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import signal
import sys
import textwrap
from collections.abc import Iterator, Sequence

import aiohttp
import discord

from . import __version__, create_bot
from .config import ConfigError, Settings, describe_settings, load_settings
from .logs import setup_logging
from .store.errors import StoreError

log = logging.getLogger("bot")

# A first login that fails with one of these is tried again after a pause: the network or Discord
# is down for now. A refused token (discord.LoginFailure) is not among them.
UNREACHABLE: tuple[type[Exception], ...] = (aiohttp.ClientConnectionError, discord.DiscordServerError)

DESCRIPTION = """\
Run the Vivix Discord bot: log in to Discord, serve the slash commands and the
job queue until SIGINT or SIGTERM (Ctrl+C, docker stop), then stop cleanly.
While Discord cannot be reached at start it tries again, waiting longer each time.
Exit status: 0 after a stop, 1 if Discord refuses the token, 2 for a bad setting."""

SETTINGS_INTRO = """\
Settings come from environment variables, or from NAME=value lines in a .env
file in the working directory (the environment wins). A value wrapped whole in
quotes, "like this" or 'like this', is unwrapped.

settings:"""


class DiscordUnreachableError(Exception):
    """The first login failed on the network or on a Discord outage: worth trying again."""

    def __init__(self, cause: Exception) -> None:
        reason = " ".join(str(cause).split())[:160]
        super().__init__(f"{type(cause).__name__}: {reason}" if reason else type(cause).__name__)


def backoff_delays(first: float, cap: float, rng: random.Random | None = None) -> Iterator[float]:
    """Seconds to wait before each next login: ``first`` doubling up to ``cap``, each shortened by up
    to a quarter at random, so many bots restarted together do not knock in step."""
    rng = rng or random.Random()
    step = min(first, cap)
    while True:
        yield step * rng.uniform(0.75, 1.0)
        step = min(step * 2, cap)


async def run(settings: Settings) -> None:
    """Run the bot until SIGINT/SIGTERM, retrying the first login while Discord is unreachable."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    delays = backoff_delays(settings.discord_retry_seconds, settings.discord_retry_max_seconds)
    attempt = 1
    while not stop.is_set():
        try:
            await run_once(settings, stop)
            break
        except DiscordUnreachableError as err:
            delay = next(delays)
            log.warning("Could not reach Discord (%s) on attempt %d; trying again in %.1f s",
                        err, attempt, delay)
            attempt += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            if stop.is_set():
                log.info("Shutting down")
    log.info("Stopped cleanly")


async def run_once(settings: Settings, stop: asyncio.Event) -> None:
    """One bot from login to close. A fresh bot per attempt: a failed one is closed whole, services too."""
    bot = create_bot(settings)
    token = settings.discord_token.get_secret_value()
    logged_in = False

    async def start() -> None:
        nonlocal logged_in
        try:
            await bot.login(token)
        except UNREACHABLE as err:
            raise DiscordUnreachableError(err) from None
        logged_in = True
        await bot.connect()  # reconnects by itself after a later network failure

    async with bot:
        runner = asyncio.create_task(start())
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("Shutting down")
            if not logged_in:
                runner.cancel()  # a login still waiting on the network has nothing to finish
        stopper.cancel()
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await runner  # re-raises a login failure such as a bad token


def settings_help() -> str:
    rows = describe_settings()
    width = max(len(name) for name, _ in rows) + 2
    lines = [SETTINGS_INTRO]
    for name, text in rows:
        lines.append(textwrap.fill(text, width=100, initial_indent=f"  {name:<{width}}",
                                   subsequent_indent=" " * (width + 2)))
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description=DESCRIPTION, epilog=settings_help(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"vivix-discord-bot {__version__}")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    parse_args(argv)  # --help and --version print and exit here, before any setting is read
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
    except StoreError as err:  # e.g. a database written by a newer version: one line, no traceback
        log.error("The database cannot be used: %s", err)
        return 1
    except aiohttp.ClientConnectionError as err:
        log.error("Lost Discord (%s); check the network and start the bot again", type(err).__name__)
        return 1
    except Exception:
        log.exception("The bot stopped on an unexpected error")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
