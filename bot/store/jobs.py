"""Repository for generation jobs. Writes take the caller's transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..jobs import Job, JobOutcome, JobStatus
from .connections import Reader, Transaction
from .notify import QUEUE, notify
from .timestamps import from_db_time, to_db_time

_COLUMNS = (
    "id, guild_id, channel_id, member_id, command, model, category, request_json, idempotency_key, "
    "held, status, outcome, generation_id, credits_estimate, credits_used, result_json, error_code, "
    "error_message, status_message_id, result_message_id, delivered_via, attempts, polls, created_at, "
    "submitted_at, finished_at, post_started_at, delivered_at, cancelled_by, retries, earlier_attempts_json, "
    "source_job_id, action, deleted_by, deleted_at, reference_source, spoiler"
)


def _ts(value: datetime | None) -> str | None:
    return to_db_time(value) if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return from_db_time(value) if value is not None else None


def _row_to_job(row: Any) -> Job:
    (id_, guild_id, channel_id, member_id, command, model, category, request_json, key, held, status,
     outcome, generation_id, estimate, used, result_json, error_code, error_message, status_message_id,
     result_message_id, delivered_via, attempts, polls, created_at, submitted_at, finished_at,
     post_started_at, delivered_at, cancelled_by, retries, earlier_attempts_json, source_job_id, action,
     deleted_by, deleted_at, reference_source, spoiler) = tuple(row)
    return Job(
        id=id_, guild_id=guild_id, channel_id=channel_id, member_id=member_id, command=command,
        model=model, category=category, request=json.loads(request_json), idempotency_key=key,
        held=held, status=JobStatus(status), outcome=JobOutcome(outcome) if outcome else None,
        generation_id=generation_id, credits_estimate=estimate, credits_used=used,
        result=json.loads(result_json) if result_json else None, error_code=error_code,
        error_message=error_message, status_message_id=status_message_id,
        result_message_id=result_message_id, delivered_via=delivered_via, attempts=attempts,
        polls=polls, created_at=from_db_time(created_at), submitted_at=_dt(submitted_at),
        finished_at=_dt(finished_at), post_started_at=_dt(post_started_at),
        delivered_at=_dt(delivered_at), cancelled_by=cancelled_by, retries=retries,
        earlier_attempts=tuple(json.loads(earlier_attempts_json)) if earlier_attempts_json else (),
        source_job_id=source_job_id, action=action, deleted_by=deleted_by, deleted_at=_dt(deleted_at),
        reference_source=reference_source, spoiler=bool(spoiler),
    )


class JobRepository:
    """Every method takes a connection: a transaction for writes, any for reads."""

    async def insert(self, conn: Transaction, job: Job) -> None:
        await conn.execute(
            "INSERT INTO jobs (id, guild_id, channel_id, member_id, command, model, category, "
            "request_json, idempotency_key, held, status, created_at, source_job_id, action, reference_source, "
            "spoiler) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (job.id, job.guild_id, job.channel_id, job.member_id, job.command, job.model, job.category,
             json.dumps(job.request, sort_keys=True), job.idempotency_key, job.held, job.status.value,
             to_db_time(job.created_at), job.source_job_id, job.action, job.reference_source, int(job.spoiler)),
        )
        await notify(conn, QUEUE, job.id)  # wakes the leader when this commits (PostgreSQL)

    async def recent_action(
        self, conn: Reader, *, source_job_id: str, member_id: int, action: str, since: datetime
    ) -> str | None:
        """The id of a job this member made from ``source_job_id`` with ``action`` since ``since``."""
        value = await conn.fetch_value(
            "SELECT id FROM jobs WHERE source_job_id = ? AND member_id = ? AND action = ? AND created_at >= ? "
            "ORDER BY created_at DESC LIMIT 1",
            (source_job_id, member_id, action, to_db_time(since)),
        )
        return str(value) if value is not None else None

    async def replace_references(self, conn: Transaction, job_id: str, urls: list[str]) -> bool:
        """Fresh links for a waiting job's reference images, before its first submit only (a resubmit
        must send the body its Idempotency-Key was first used with)."""
        replaced = (
            "json_set(request_json, '$.reference_images', json(?))" if conn.dialect == "sqlite"
            else "jsonb_set(request_json::jsonb, '{reference_images}', ?::jsonb)::text"
        )
        changed = await conn.execute(
            f"UPDATE jobs SET request_json = {replaced} WHERE id = ? AND status = 'submitting' AND attempts = 0",
            (json.dumps(urls), job_id),
        )
        return changed == 1

    async def mark_deleted(self, conn: Transaction, job_id: str, *, by: int, at: datetime) -> bool:
        """Record who deleted the posted result, once."""
        changed = await conn.execute(
            "UPDATE jobs SET deleted_by = ?, deleted_at = ? WHERE id = ? AND deleted_by IS NULL",
            (by, to_db_time(at), job_id),
        )
        return changed == 1

    async def find_by_result_message(self, conn: Reader, message_id: int) -> Job | None:
        row = await conn.fetch_one(f"SELECT {_COLUMNS} FROM jobs WHERE result_message_id = ?", (message_id,))
        return _row_to_job(row) if row else None

    async def get(self, conn: Reader, job_id: str) -> Job | None:
        row = await conn.fetch_one(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,))
        return _row_to_job(row) if row else None

    async def find_by_prefix(self, conn: Reader, guild_id: int, prefix: str) -> list[Job]:
        rows = await conn.fetch_all(
            f"SELECT {_COLUMNS} FROM jobs WHERE guild_id = ? AND id LIKE ? ORDER BY created_at LIMIT 5",
            (guild_id, prefix.replace("%", "").replace("_", "") + "%"),
        )
        return [_row_to_job(row) for row in rows]

    async def list_by_status(
        self, conn: Reader, *statuses: JobStatus, guild_id: int | None = None
    ) -> list[Job]:
        marks = ", ".join("?" for _ in statuses)
        sql = f"SELECT {_COLUMNS} FROM jobs WHERE status IN ({marks})"
        args: list[Any] = [s.value for s in statuses]
        if guild_id is not None:
            sql += " AND guild_id = ?"
            args.append(guild_id)
        rows = await conn.fetch_all(sql + " ORDER BY created_at, rowid", args)
        return [_row_to_job(row) for row in rows]

    async def waiting(self, conn: Reader) -> list[tuple[str, int, str]]:
        """(id, guild_id, created_at as stored) of every queued job, oldest first: what the queue
        index is rebuilt from, without loading every waiting job's request."""
        rows = await conn.fetch_all(
            "SELECT id, guild_id, created_at FROM jobs WHERE status = 'queued' ORDER BY created_at, rowid"
        )
        return [(str(id_), int(guild_id), str(created)) for id_, guild_id, created in rows]

    async def count_by_status(self, conn: Reader) -> dict[str, int]:
        rows = await conn.fetch_all("SELECT status, COUNT(*) FROM jobs GROUP BY status")
        return {str(status): int(count) for status, count in rows}

    async def any_waiting(self, conn: Reader) -> bool:
        return await conn.fetch_value("SELECT 1 FROM jobs WHERE status = 'queued' LIMIT 1") is not None

    async def claim_for_submit(self, conn: Transaction, job_id: str) -> bool:
        """QUEUED -> SUBMITTING, so a cancel cannot slip in while the API call is under way."""
        changed = await conn.execute(
            "UPDATE jobs SET status = 'submitting' WHERE id = ? AND status = 'queued'", (job_id,)
        )
        return changed == 1

    async def requeue(self, conn: Transaction, job_id: str, error_code: str | None = None) -> None:
        """SUBMITTING -> QUEUED after a submit that may be retried (same Idempotency-Key)."""
        await conn.execute(
            "UPDATE jobs SET status = 'queued', attempts = attempts + 1, error_code = COALESCE(?, error_code) "
            "WHERE id = ? AND status = 'submitting'",
            (error_code, job_id),
        )

    async def requeue_all_submitting(self, conn: Transaction) -> list[str]:
        """At start: a submit cut short by a stop is retried with its stored key. Returns their ids,
        oldest first: the API may hold a generation for each, so they go first (see Dispatcher.start)."""
        rows = await conn.fetch_all("SELECT id FROM jobs WHERE status = 'submitting' ORDER BY created_at, rowid")
        await conn.execute("UPDATE jobs SET status = 'queued' WHERE status = 'submitting'")
        return [str(row[0]) for row in rows]

    async def mark_submitted(
        self, conn: Transaction, job_id: str, generation_id: str, estimate: int | None,
        at: datetime,
    ) -> bool:
        changed = await conn.execute(
            "UPDATE jobs SET status = 'running', generation_id = ?, credits_estimate = ?, "
            "submitted_at = ?, attempts = attempts + 1 WHERE id = ? AND status = 'submitting'",
            (generation_id, estimate, _ts(at), job_id),
        )
        return changed == 1

    async def requeue_for_retry(
        self, conn: Transaction, job_id: str, *, idempotency_key: str, attempt: dict[str, Any]
    ) -> bool:
        """RUNNING -> QUEUED for one more attempt after a transient failure: a new Idempotency-Key
        (the failed generation is over; the same key would return it), the failed attempt kept."""
        appended = (
            "json_insert(COALESCE(earlier_attempts_json, '[]'), '$[#]', json(?))" if conn.dialect == "sqlite"
            else "(COALESCE(earlier_attempts_json, '[]')::jsonb || jsonb_build_array(?::jsonb))::text"
        )
        changed = await conn.execute(
            "UPDATE jobs SET status = 'queued', retries = retries + 1, idempotency_key = ?, "
            "generation_id = NULL, credits_estimate = NULL, submitted_at = NULL, result_json = NULL, "
            f"error_code = ?, earlier_attempts_json = {appended} "
            "WHERE id = ? AND status = 'running' AND cancelled_by IS NULL",
            (idempotency_key, attempt.get("error_code"), json.dumps(attempt, sort_keys=True, default=str), job_id),
        )
        return changed == 1

    async def note_poll(self, conn: Transaction, job_id: str, result: dict[str, Any]) -> None:
        await conn.execute(
            "UPDATE jobs SET polls = polls + 1, result_json = ? WHERE id = ? AND status = 'running'",
            (json.dumps(result, sort_keys=True, default=str), job_id),
        )

    async def mark_finished(
        self,
        conn: Transaction,
        job_id: str,
        *,
        outcome: JobOutcome,
        credits_used: int,
        at: datetime,
        result: dict[str, Any] | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
        from_statuses: tuple[JobStatus, ...] = (JobStatus.SUBMITTING, JobStatus.RUNNING),
    ) -> bool:
        """Move to FINISHED once; False when another path finished it first."""
        marks = ", ".join("?" for _ in from_statuses)
        changed = await conn.execute(
            "UPDATE jobs SET status = 'finished', outcome = ?, credits_used = ?, finished_at = ?, "
            "result_json = COALESCE(?, result_json), error_code = ?, error_message = ? "
            f"WHERE id = ? AND status IN ({marks})",
            (outcome.value, credits_used, _ts(at),
             json.dumps(result, sort_keys=True, default=str) if result is not None else None,
             error_code, error_message, job_id, *(s.value for s in from_statuses)),
        )
        return changed == 1

    async def note_cancelled_by(
        self, conn: Transaction, job_id: str, member_id: int, *, statuses: tuple[JobStatus, ...]
    ) -> bool:
        """Record who cancelled, once, while the job is in one of ``statuses``."""
        marks = ", ".join("?" for _ in statuses)
        changed = await conn.execute(
            f"UPDATE jobs SET cancelled_by = ? WHERE id = ? AND cancelled_by IS NULL AND status IN ({marks})",
            (member_id, job_id, *(s.value for s in statuses)),
        )
        return changed == 1

    async def cancelled_by(self, conn: Reader, job_id: str) -> int | None:
        value = await conn.fetch_value("SELECT cancelled_by FROM jobs WHERE id = ?", (job_id,))
        return int(value) if value is not None else None

    async def mark_post_started(self, conn: Transaction, job_id: str, at: datetime) -> None:
        await conn.execute(
            "UPDATE jobs SET post_started_at = COALESCE(post_started_at, ?) WHERE id = ?",
            (_ts(at), job_id),
        )

    async def mark_delivered(
        self, conn: Transaction, job_id: str, *, via: str, message_id: int | None, at: datetime
    ) -> bool:
        changed = await conn.execute(
            "UPDATE jobs SET status = 'delivered', delivered_via = ?, result_message_id = ?, "
            "delivered_at = ? WHERE id = ? AND status = 'finished'",
            (via, message_id, _ts(at), job_id),
        )
        return changed == 1

    async def set_status_message(self, conn: Transaction, job_id: str, message_id: int) -> None:
        await conn.execute("UPDATE jobs SET status_message_id = ? WHERE id = ?", (message_id, job_id))

    async def recent_durations(self, conn: Reader, limit: int = 300) -> list[tuple[str, float]]:
        """(model, seconds) of the latest completed jobs, oldest first, from the API's ``duration_ms``."""
        ms = ("json_extract(result_json, '$.duration_ms')" if conn.dialect == "sqlite"
              else "(result_json::jsonb ->> 'duration_ms')::float8")
        rows = await conn.fetch_all(
            f"SELECT model, {ms} FROM jobs WHERE outcome = 'completed' AND {ms} > 0 "
            "ORDER BY finished_at DESC LIMIT ?",
            (limit,),
        )
        return [(str(model), float(ms) / 1000) for model, ms in reversed(rows)]

    async def find_by_id_prefix(self, conn: Reader, prefix: str, *, limit: int = 3) -> list[Job]:
        """Jobs of every server whose id starts with ``prefix``, newest first (the operator's lookup)."""
        rows = await conn.fetch_all(
            f"SELECT {_COLUMNS} FROM jobs WHERE substr(id, 1, ?) = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
            (len(prefix), prefix, limit),
        )
        return [_row_to_job(row) for row in rows]

    async def recent_summaries(self, conn: Reader, prefix: str, *, limit: int) -> list[tuple[str, str, str]]:
        """(id, model, status or outcome) of the newest jobs of every server whose id starts with
        ``prefix``: suggestions for the operator, without loading requests."""
        rows = await conn.fetch_all(
            "SELECT id, model, COALESCE(outcome, status) FROM jobs WHERE substr(id, 1, ?) = ? "
            "ORDER BY created_at DESC, rowid DESC LIMIT ?",
            (len(prefix), prefix, limit),
        )
        return [(str(id_), str(model), str(state)) for id_, model, state in rows]
