"""A Discord bot in front of the credit-metered Vivix generation API."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .client import VivixBot
    from .clock import Clock
    from .config import Settings


def create_bot(settings: Settings, *, clock: Clock | None = None) -> VivixBot:
    """Build the bot without touching the network; services open in ``setup_hook``.

    Its token and API key join the secret filter for logs and Discord messages alike."""
    from .client import build_bot
    from .logs import register_secrets

    register_secrets(settings.discord_token, settings.vivix_api_key)
    if settings.database_url is not None:  # its password, if it has one
        register_secrets(urlsplit(settings.database_url.get_secret_value()).password)

    return build_bot(settings, clock=clock)


__all__ = ["__version__", "create_bot"]
