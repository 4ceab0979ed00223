"""What the queue refuses, and why it is paused, in words a member understands (no engine imports,
so the Discord side can use them)."""

from __future__ import annotations

from ..errors import QueueError

MANUAL = "MANUAL"
"""The pause code when the operator paused the queue by hand."""

PAUSE_REASONS: dict[str, str] = {
    "INSUFFICIENT_CREDITS": "the bot's API wallet is empty",
    "KEY_INVALID": "the bot's API key was refused",
    "TIER_LOCKED": "the bot's API plan does not allow generating right now",
    MANUAL: "the operator paused it",
}


def pause_reason(code: str) -> str:
    """Why the queue is paused, in words a member understands."""
    return PAUSE_REASONS.get(code, "the generation service is not accepting the bot's jobs")


class QueuePausedError(QueueError):
    """A new request while the queue is paused: refused before anything is held."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"⏸️ Generation is paused: {pause_reason(code)}. The operator has been told. "
                         "Nothing was charged; please try again later.")


class AlreadyPausedError(QueueError):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"⏸️ The queue is already paused (`{code}`: {detail}). `/operator resume` resumes it.")


class NotPausedError(QueueError):
    def __init__(self) -> None:
        super().__init__("▶️ The queue is not paused; nothing to resume.")
