"""A job's whole record for the operator: the job row and the ledger rows written for it,
found by its id or a unique prefix of it, in any server."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import BotError, clip
from ..jobs import Job
from ..ledger import CreditLedger, LedgerEntry
from ..store.database import Database
from ..store.jobs import JobRepository

MIN_PREFIX = 6
MAX_SUGGESTIONS = 25


class JobLookupError(BotError):
    """The operator's job reference does not name exactly one job."""


class UnknownJobError(JobLookupError):
    def __init__(self, ref: str) -> None:
        self.ref = ref
        super().__init__(f"❌ No job `{clip(ref, 40)}` in any server. Give its id, or at least its first "
                         f"{MIN_PREFIX} characters.")


class JobRefTooShortError(JobLookupError):
    def __init__(self, ref: str) -> None:
        self.ref = ref
        super().__init__(f"❌ `{clip(ref, 40)}` is too short: give at least the first {MIN_PREFIX} "
                         "characters of the job's id.")


class AmbiguousJobError(JobLookupError):
    def __init__(self, ref: str, ids: list[str]) -> None:
        self.ref, self.ids = ref, ids
        shown = ", ".join(f"`{job_id}`" for job_id in ids)
        super().__init__(f"❌ `{clip(ref, 40)}` starts more than one job id ({shown}); type more of it.")


@dataclass(frozen=True, slots=True)
class JobRecord:
    job: Job
    entries: list[LedgerEntry]


def normalise_ref(ref: str) -> str:
    """What an operator pastes: ``job 3f2a…``, a footer's text, backticks; ids are lower-case hex."""
    return ref.strip().strip("`").strip().lower().removeprefix("job ").strip().strip("`")


class JobRecords:
    def __init__(self, db: Database, jobs: JobRepository, ledger: CreditLedger) -> None:
        self._db = db
        self._jobs = jobs
        self._ledger = ledger

    async def find(self, ref: str) -> JobRecord:
        """The one job ``ref`` names (its id, or a unique prefix of ``MIN_PREFIX`` characters or
        more), with its ledger rows; a ``JobLookupError`` says why not."""
        wanted = normalise_ref(ref)
        if len(wanted) < MIN_PREFIX:
            raise JobRefTooShortError(ref)
        async with self._db.read() as conn:
            exact = await self._jobs.get(conn, wanted)
            matches = [exact] if exact is not None else await self._jobs.find_by_id_prefix(conn, wanted)
        if not matches:
            raise UnknownJobError(ref)
        if len(matches) > 1:
            raise AmbiguousJobError(ref, [job.id for job in matches])
        job = matches[0]
        return JobRecord(job, await self._ledger.entries_for_job(job.id))

    async def suggest(self, typed: str) -> list[tuple[str, str, str]]:
        """(id, model, state) of the newest jobs whose id starts with what was typed."""
        async with self._db.read() as conn:
            return await self._jobs.recent_summaries(conn, normalise_ref(typed), limit=MAX_SUGGESTIONS)
