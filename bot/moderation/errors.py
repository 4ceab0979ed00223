"""Why a moderation request is refused, in the words of the member or moderator who asked."""

from __future__ import annotations

from ..errors import BotError, InputError


class ModerationError(BotError):
    """A report, a moderator's button, a log channel or an export that cannot be done."""


class NoLogChannelError(ModerationError):
    def __init__(self) -> None:
        super().__init__(
            "🚩 This server has no log channel for reports; ask its admins to set one "
            "(`/policy log-channel`). Nothing was sent."
        )


class AlreadyReportedError(ModerationError):
    def __init__(self) -> None:
        super().__init__("🚩 You already reported this result; the moderators have it.")


class ReportedResultGoneError(ModerationError):
    def __init__(self) -> None:
        super().__init__("❌ That result is gone (deleted, or not from this server); there is nothing to report.")


class NotModeratorError(ModerationError):
    def __init__(self, permission: str) -> None:
        super().__init__(f"🔒 Only members with **{permission}** may use this button.")



class LogChannelUnusableError(ModerationError):
    def __init__(self, channel: str, missing: str) -> None:
        super().__init__(f"❌ I cannot use {channel} as the log channel: I lack **{missing}** there. "
                         "Nothing was changed.")


class ExportRangeError(InputError):
    """``since`` / ``until`` could not be read, or do not make a range."""


class ExportTooLargeError(ModerationError):
    def __init__(self, size: int, limit: int) -> None:
        self.size, self.limit = size, limit
        super().__init__(
            f"📦 The export is {size / 1_048_576:.1f} MiB even compressed, above this server's upload limit of "
            f"{limit / 1_048_576:.0f} MiB. Give a narrower `since` / `until`."
        )
