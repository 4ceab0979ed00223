"""Repository for contests, their entries and their phase timers. Writes take the caller's
transaction; the vote chain and the payouts are in ``contest_votes.py``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.contests.models import (
    Contest,
    ContestSettings,
    Entry,
    EntryCost,
    EntryStatus,
    Phase,
    PhaseChange,
    Timer,
)
from bot.store.connections import Reader, Row, Transaction
from bot.store.timestamps import from_db_time, to_db_time

_CONTEST_COLUMNS = (
    "id, guild_id, channel_id, created_by, title, theme, phase, created_at, entries_close_at, votes_close_at, "
    "max_entries, category, models_json, required_words_json, entry_cost, budget, prizes_json, role_id, "
    "voting_opened_at, closed_at, settled_at, cancelled_at, cancelled_by"
)
_ENTRY_COLUMNS = "id, contest_id, job_id, member_id, status, drawn, number, created_at, ended_at"
_TIMER_COLUMNS = "contest_id, change, due_at, done_at, announced_at"


def _ts(value: datetime | None) -> str | None:
    return None if value is None else to_db_time(value)


def _dt(value: str | None) -> datetime | None:
    return None if value is None else from_db_time(value)


def _contest(row: Row) -> Contest:
    return Contest(
        id=row["id"], guild_id=row["guild_id"], channel_id=row["channel_id"], created_by=row["created_by"],
        title=row["title"], theme=row["theme"], phase=Phase(row["phase"]),
        created_at=from_db_time(row["created_at"]), entries_close_at=from_db_time(row["entries_close_at"]),
        votes_close_at=from_db_time(row["votes_close_at"]), max_entries=row["max_entries"],
        category=row["category"], models=tuple(json.loads(row["models_json"])),
        required_words=tuple(json.loads(row["required_words_json"])), entry_cost=EntryCost(row["entry_cost"]),
        budget=row["budget"], prizes=tuple(int(p) for p in json.loads(row["prizes_json"])),
        role_id=row["role_id"], voting_opened_at=_dt(row["voting_opened_at"]), closed_at=_dt(row["closed_at"]),
        settled_at=_dt(row["settled_at"]), cancelled_at=_dt(row["cancelled_at"]), cancelled_by=row["cancelled_by"],
    )


def _entry(row: Row) -> Entry:
    return Entry(
        id=row["id"], contest_id=row["contest_id"], job_id=row["job_id"], member_id=row["member_id"],
        status=EntryStatus(row["status"]), drawn=row["drawn"], number=row["number"],
        created_at=from_db_time(row["created_at"]), ended_at=_dt(row["ended_at"]),
    )


def _timer(row: Row) -> Timer:
    return Timer(
        contest_id=row["contest_id"], change=PhaseChange(row["change"]), due_at=from_db_time(row["due_at"]),
        done_at=_dt(row["done_at"]), announced_at=_dt(row["announced_at"]),
    )


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


class ContestRepository:
    # -- contests ------------------------------------------------------------------------------

    async def insert(
        self, tx: Transaction, guild_id: int, created_by: int, settings: ContestSettings, *,
        created_at: datetime, entries_close_at: datetime, votes_close_at: datetime,
    ) -> int:
        return await tx.insert(
            "INSERT INTO contests (guild_id, channel_id, created_by, title, theme, phase, created_at, "
            "entries_close_at, votes_close_at, max_entries, category, models_json, required_words_json, "
            "entry_cost, budget, prizes_json, role_id) "
            "VALUES (?, ?, ?, ?, ?, 'entries', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id, settings.channel_id, created_by, settings.title, settings.theme, to_db_time(created_at),
                to_db_time(entries_close_at), to_db_time(votes_close_at), settings.max_entries, settings.category,
                json.dumps(list(settings.models)), json.dumps(list(settings.required_words)),
                settings.entry_cost.value, settings.budget, json.dumps(list(settings.prizes)), settings.role_id,
            ),
        )

    async def get(self, conn: Reader, contest_id: int) -> Contest | None:
        row = await conn.fetch_one(f"SELECT {_CONTEST_COLUMNS} FROM contests WHERE id = ?", (contest_id,))
        return None if row is None else _contest(row)

    async def for_guild(
        self, conn: Reader, guild_id: int, phases: Iterable[Phase] | None = None, *, limit: int = 25
    ) -> list[Contest]:
        """Newest first."""
        wanted = [p.value for p in (phases if phases is not None else Phase)]
        rows = await conn.fetch_all(
            f"SELECT {_CONTEST_COLUMNS} FROM contests WHERE guild_id = ? AND phase IN ({_marks(wanted)}) "
            "ORDER BY id DESC LIMIT ?",
            (guild_id, *wanted, limit),
        )
        return [_contest(row) for row in rows]

    async def move(self, tx: Transaction, contest_id: int, *, from_phase: Phase, to_phase: Phase,
                   at: datetime) -> bool:
        """Change the phase once (False when it had moved already), stamping the moment."""
        stamp = {Phase.VOTING: "voting_opened_at", Phase.CLOSED: "closed_at", Phase.CANCELLED: "cancelled_at"}
        column = stamp.get(to_phase)
        assert column is not None, f"no move into {to_phase}"
        changed = await tx.execute(
            f"UPDATE contests SET phase = ?, {column} = ? WHERE id = ? AND phase = ?",
            (to_phase.value, to_db_time(at), contest_id, from_phase.value),
        )
        return changed == 1

    async def note_cancelled_by(self, tx: Transaction, contest_id: int, actor_id: int) -> None:
        await tx.execute("UPDATE contests SET cancelled_by = ? WHERE id = ?", (actor_id, contest_id))

    async def mark_settled(self, tx: Transaction, contest_id: int, at: datetime) -> bool:
        changed = await tx.execute(
            "UPDATE contests SET settled_at = ? WHERE id = ? AND settled_at IS NULL", (to_db_time(at), contest_id)
        )
        return changed == 1

    # -- entries -------------------------------------------------------------------------------

    async def add_entry(
        self, tx: Transaction, contest_id: int, job_id: str, member_id: int, *, status: EntryStatus,
        drawn: int, at: datetime,
    ) -> Entry:
        entry_id = await tx.insert(
            "INSERT INTO contest_entries (contest_id, job_id, member_id, status, drawn, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (contest_id, job_id, member_id, status.value, drawn, to_db_time(at)),
        )
        return Entry(entry_id, contest_id, job_id, member_id, status, drawn, None, at)

    async def entry(self, conn: Reader, entry_id: int) -> Entry | None:
        row = await conn.fetch_one(f"SELECT {_ENTRY_COLUMNS} FROM contest_entries WHERE id = ?", (entry_id,))
        return None if row is None else _entry(row)

    async def entry_for_job(self, conn: Reader, job_id: str) -> Entry | None:
        row = await conn.fetch_one(f"SELECT {_ENTRY_COLUMNS} FROM contest_entries WHERE job_id = ?", (job_id,))
        return None if row is None else _entry(row)

    async def entries(
        self, conn: Reader, contest_id: int, statuses: Iterable[EntryStatus] | None = None
    ) -> list[Entry]:
        """By number once numbered, then in the order they came."""
        wanted = [s.value for s in (statuses if statuses is not None else EntryStatus)]
        rows = await conn.fetch_all(
            f"SELECT {_ENTRY_COLUMNS} FROM contest_entries WHERE contest_id = ? AND status IN ({_marks(wanted)}) "
            "ORDER BY number IS NULL, number, id",
            (contest_id, *wanted),
        )
        return [_entry(row) for row in rows]

    async def member_entries(self, conn: Reader, contest_id: int, member_id: int) -> list[Entry]:
        rows = await conn.fetch_all(
            f"SELECT {_ENTRY_COLUMNS} FROM contest_entries WHERE contest_id = ? AND member_id = ? ORDER BY id",
            (contest_id, member_id),
        )
        return [_entry(row) for row in rows]

    async def end_entry(
        self, tx: Transaction, entry_id: int, *, to: EntryStatus, from_statuses: Iterable[EntryStatus],
        at: datetime | None,
    ) -> bool:
        allowed = [s.value for s in from_statuses]
        changed = await tx.execute(
            f"UPDATE contest_entries SET status = ?, ended_at = ? WHERE id = ? AND status IN ({_marks(allowed)})",
            (to.value, _ts(at), entry_id, *allowed),
        )
        return changed == 1

    async def number_entries(self, tx: Transaction, numbers: Iterable[tuple[int, int]]) -> None:
        """(entry id, number) pairs, given once when voting opens."""
        for entry_id, number in numbers:
            await tx.execute(
                "UPDATE contest_entries SET number = ? WHERE id = ? AND number IS NULL", (number, entry_id)
            )

    # -- timers ----------------------------------------------------------------------------------

    async def set_timer(self, tx: Transaction, contest_id: int, change: PhaseChange, due_at: datetime) -> None:
        """Make or move a timer that has not run yet (one that ran stays as it was)."""
        await tx.execute(
            "INSERT INTO contest_timers (contest_id, change, due_at) VALUES (?, ?, ?) "
            "ON CONFLICT (contest_id, change) DO UPDATE SET due_at = excluded.due_at "
            "WHERE contest_timers.done_at IS NULL",
            (contest_id, change.value, to_db_time(due_at)),
        )

    async def timer(self, conn: Reader, contest_id: int, change: PhaseChange) -> Timer | None:
        row = await conn.fetch_one(
            f"SELECT {_TIMER_COLUMNS} FROM contest_timers WHERE contest_id = ? AND change = ?",
            (contest_id, change.value),
        )
        return None if row is None else _timer(row)

    async def next_timer(self, conn: Reader) -> Timer | None:
        """The earliest timer not yet run, due or not."""
        row = await conn.fetch_one(
            f"SELECT {_TIMER_COLUMNS} FROM contest_timers WHERE done_at IS NULL "
            "ORDER BY due_at, contest_id, change LIMIT 1"
        )
        return None if row is None else _timer(row)

    async def due_timers(self, conn: Reader, now: datetime, *, limit: int) -> list[Timer]:
        """Timers due by ``now`` and not yet run, earliest first."""
        rows = await conn.fetch_all(
            f"SELECT {_TIMER_COLUMNS} FROM contest_timers WHERE done_at IS NULL AND due_at <= ? "
            "ORDER BY due_at, contest_id, change LIMIT ?",
            (to_db_time(now), limit),
        )
        return [_timer(row) for row in rows]

    async def finish_timer(self, tx: Transaction, contest_id: int, change: PhaseChange, at: datetime, *,
                           announce: bool = True) -> bool:
        """Mark a timer run, once; ``announce=False`` marks it announced too (nothing to post)."""
        changed = await tx.execute(
            "UPDATE contest_timers SET done_at = ?, announced_at = ? "
            "WHERE contest_id = ? AND change = ? AND done_at IS NULL",
            (to_db_time(at), None if announce else to_db_time(at), contest_id, change.value),
        )
        return changed == 1

    async def drop_timers(self, tx: Transaction, contest_id: int, at: datetime) -> None:
        """A cancelled contest's timers: run as no-ops, with nothing to announce."""
        await tx.execute(
            "UPDATE contest_timers SET done_at = COALESCE(done_at, ?), announced_at = COALESCE(announced_at, ?) "
            "WHERE contest_id = ?",
            (to_db_time(at), to_db_time(at), contest_id),
        )

    async def unannounced(self, conn: Reader) -> list[Timer]:
        rows = await conn.fetch_all(
            f"SELECT {_TIMER_COLUMNS} FROM contest_timers WHERE done_at IS NOT NULL AND announced_at IS NULL "
            "ORDER BY done_at, contest_id"
        )
        return [_timer(row) for row in rows]

    async def mark_announced(self, tx: Transaction, contest_id: int, change: PhaseChange, at: datetime) -> None:
        await tx.execute(
            "UPDATE contest_timers SET announced_at = ? WHERE contest_id = ? AND change = ? AND announced_at IS NULL",
            (to_db_time(at), contest_id, change.value),
        )
