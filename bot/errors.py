"""The root of every refusal the bot explains to a person, and the domain families under it.

A ``BotError`` carries ``message``: one sentence (Discord markdown) for the member or admin
who asked, never a secret, never a traceback. The single app-command error handler in
``bot/ui/errors.py`` sends it ephemerally; anything that is not a ``BotError`` is logged with a
short reference the member can quote to the operator.
"""

from __future__ import annotations

ECHO_LIMIT = 80  # characters of a member's own input quoted back in a refusal


class BotError(Exception):
    """A request the bot refuses or cannot serve; ``message`` says why, for the person who asked."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class InputError(BotError):
    """An option could not be read as typed."""


class QueueError(BotError):
    """The queue cannot do what was asked (cancel, start) right now."""


class PolicyError(BotError):
    """The server's policy does not allow the request."""


class StorageUnavailableError(BotError):
    """The database did not answer; nothing was changed or charged."""

    def __init__(self) -> None:
        super().__init__("⚠️ The bot's storage is unavailable right now; nothing was charged. Try again in a minute.")


def clip(text: object, limit: int = ECHO_LIMIT) -> str:
    """A member's input, shortened for quoting back: one line, at most ``limit`` characters."""
    shown = " ".join(str(text).split())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
