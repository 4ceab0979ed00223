"""Reading a block's length as an admin types it: ``30m``, ``12h``, ``7d``, ``2w``, ``1d12h``."""

from __future__ import annotations

import re
from datetime import timedelta

from .errors import PolicyInputError

_PART = re.compile(r"(\d{1,6})\s*(minutes?|mins?|m|hours?|h|days?|d|weeks?|w)", re.IGNORECASE)
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
LONGEST = timedelta(days=3650)


def parse_duration(text: str) -> timedelta:
    """A positive length of time, or a PolicyInputError naming the forms it takes."""
    compact = text.strip().replace(" ", "")
    total = timedelta()
    position = 0
    for part in _PART.finditer(compact):
        if part.start() != position:
            break
        total += int(part[1]) * _UNITS[part[2][0].lower()]
        position = part.end()
    if not compact or position != len(compact) or total <= timedelta() or total > LONGEST:
        raise PolicyInputError(
            f"❌ `{text[:20]}` is not a length of time: write e.g. `30m`, `12h`, `7d` or `2w`. Nothing was changed.")
    return total
