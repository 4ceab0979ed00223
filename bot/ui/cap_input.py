"""Reading a limit typed into a slash option: a whole number, ``unlimited`` or ``inherit``."""

from __future__ import annotations

from ..errors import InputError, clip
from ..ledger import INHERIT, UNCHANGED, CapValue, Unchanged

UNLIMITED_WORDS = frozenset({"unlimited", "none", "no limit", "nolimit", "no-limit", "off", "∞", "infinite"})
INHERIT_WORDS = frozenset({"inherit", "default", "clear", "reset", "unset"})
MAX_LIMIT = 10**12
HELP = "a whole number (0 or more), `unlimited`, or `inherit` to clear it"


class CapInputError(InputError):
    """A limit option could not be read; ``message`` is one sentence for the admin."""

    def __init__(self, option: str, text: str, reason: str) -> None:
        self.option = option
        self.text = text
        self.reason = reason
        super().__init__(f"❌ `{option}`: `{clip(text, 40)}` {reason}. Give {HELP}. Nothing was changed.")


def parse_cap(option: str, text: str | None) -> CapValue | Unchanged:
    """None (option left empty) is UNCHANGED; the words map to None (unlimited) and INHERIT."""
    if text is None or not text.strip():
        return UNCHANGED
    word = " ".join(text.strip().lower().split())
    if word in UNLIMITED_WORDS:
        return None
    if word in INHERIT_WORDS:
        return INHERIT
    digits = word.replace(",", "").replace("_", "").replace(" ", "")
    try:
        value = int(digits)
    except ValueError:
        raise CapInputError(option, text, "is not a number") from None
    if value < 0:
        raise CapInputError(option, text, "is negative")
    if value > MAX_LIMIT:
        raise CapInputError(option, text, f"is more than {MAX_LIMIT:,}")
    return value


def cap_suggestions(current: str, unit: str) -> list[tuple[str, str]]:
    """(label, value) pairs for autocomplete: what was typed if it reads, then the two words."""
    suggestions: list[tuple[str, str]] = []
    try:
        value = parse_cap("value", current)
    except CapInputError:
        value = UNCHANGED
    if isinstance(value, int):
        suggestions.append((f"{value:,} {unit}", str(value)))
    suggestions.append(("unlimited (no limit)", "unlimited"))
    suggestions.append(("inherit (clear it: the role or server default applies)", "inherit"))
    return suggestions
