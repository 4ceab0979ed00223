"""SQL written for both engines, made ready for PostgreSQL.

The repositories write each statement once with ``?`` placeholders (SQLite's
style); asyncpg wants ``$1, $2, …``. ``INDEXED BY`` (a SQLite planner hint) is
dropped: PostgreSQL's planner picks the same partial indexes on its own. The
rest of the shared subset (``ON CONFLICT … DO UPDATE``, ``RETURNING``, ``||``,
``COALESCE``, row values) means the same on both. The statements that cannot be
shared branch on ``Reader.dialect`` where they are written.
"""

from __future__ import annotations

import re
from functools import lru_cache

_INDEXED_BY = re.compile(r"\s+INDEXED\s+BY\s+\w+", re.IGNORECASE)


@lru_cache(maxsize=2048)
def to_postgres(sql: str) -> str:
    """``sql`` with ``?`` numbered as ``$n`` (outside quotes and comments) and ``INDEXED BY`` removed."""
    out: list[str] = []
    number = 0
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if char in "'\"":  # a quoted literal or name: copied as is ('' and "" escape themselves)
            end = i + 1
            while end < n and sql[end] != char:
                end += 1
            out.append(sql[i:end + 1])
            i = end + 1
            continue
        if char == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end])
            i = end
            continue
        if char == "?":
            number += 1
            out.append(f"${number}")
        else:
            out.append(char)
        i += 1
    return _INDEXED_BY.sub("", "".join(out))
