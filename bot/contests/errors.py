"""Why a contest refuses a request, in the words of the member or admin who asked."""

from __future__ import annotations

from datetime import datetime

from bot.errors import BotError, clip


class ContestError(BotError):
    """Base of every refusal from ``bot.contests``."""


def _when(moment: datetime) -> str:
    """A Discord timestamp: each reader sees it in their own time zone."""
    return f"<t:{int(moment.timestamp())}:f>"


class ContestNotFoundError(ContestError):
    def __init__(self, contest_id: int) -> None:
        self.contest_id = contest_id
        super().__init__(f"❌ There is no contest #{contest_id} in this server.")


class EntryNotFoundError(ContestError):
    def __init__(self) -> None:
        super().__init__("❌ That entry is not in this server's contests any more.")


class ContestSettingsError(ContestError):
    """A ``/contest create`` option is out of range; ``field`` names it."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"❌ `{field}`: {reason}")


class ContestFundsError(ContestError):
    """The allowance left this cycle cannot cover the prizes and the budget; nothing was held."""

    def __init__(self, prizes: int, budget: int, left: int) -> None:
        self.prizes = prizes
        self.budget = budget
        self.needed = prizes + budget
        self.left = left
        parts = [f"prizes {prizes:,}"] + ([f"budget {budget:,}"] if budget else [])
        super().__init__(
            f"❌ This contest needs {self.needed:,} credits held ({', '.join(parts)}), but the server's "
            f"allowance has {left:,} left this cycle. Lower the prizes or the budget."
        )


class WrongPhaseError(ContestError):
    """The contest is not in the phase the request needs; ``message`` says when it was or will be."""


class EntryRefusedError(ContestError):
    """An entry breaks the contest's rules (model, words, window, count, owner)."""


class BudgetExhaustedError(EntryRefusedError):
    def __init__(self, needed: int, left: int) -> None:
        self.needed = needed
        self.left = left
        super().__init__(
            f"❌ The contest's budget has {left:,} credits left; this entry needs {needed:,}. "
            "Try a cheaper model or options. Nothing was charged."
        )


class VoteRefusedError(ContestError):
    """A vote the rules do not allow (not eligible, own entry, wrong phase)."""


class ExportRefusedError(ContestError):
    pass


def entries_closed(contest_title: str, at: datetime) -> WrongPhaseError:
    return WrongPhaseError(f"⌛ Entries for **{clip(contest_title)}** closed {_when(at)}.")


def voting_not_open(contest_title: str, opens_at: datetime) -> WrongPhaseError:
    return WrongPhaseError(f"⌛ Voting for **{clip(contest_title)}** opens {_when(opens_at)}.")


def voting_closed(contest_title: str) -> WrongPhaseError:
    return WrongPhaseError(f"⌛ Voting for **{clip(contest_title)}** has closed.")


def contest_over(contest_title: str, phase: str) -> WrongPhaseError:
    return WrongPhaseError(f"❌ **{clip(contest_title)}** is {phase}; nothing more can change.")
