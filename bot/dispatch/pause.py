"""Pausing the whole queue when the API account cannot take jobs (empty wallet, refused key,
locked tier), probing cheaply until it can, and pausing or resuming by the operator's hand.

A pause is kept in the database, so a restart stays paused. While paused nothing is
submitted: waiting jobs keep their place and their holds, running jobs are still polled
and delivered, members may still cancel, and new requests are refused before any hold.
A pause and its end are each logged once and alerted to the operators once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from ..ops.alerts import Alert, Alerts, Incident
from ..store.bot_state import BotStateRepository
from ..store.notify import CONTROL, notify
from ..store.timestamps import from_db_time, to_db_time
from ..vivix.errors import InsufficientCreditsError, KeyInvalidError, TierLockedError, VivixAPIError
from .context import DispatchContext
from .errors import MANUAL

log = logging.getLogger(__name__)

PAUSING_ERRORS: tuple[type[VivixAPIError], ...] = (InsufficientCreditsError, KeyInvalidError, TierLockedError)
"""Answers to a submit that no other job could get past either: the account, not the job."""
_KEY = "queue_pause"


@dataclass(frozen=True, slots=True)
class QueuePause:
    code: str  # INSUFFICIENT_CREDITS | KEY_INVALID | TIER_LOCKED | MANUAL
    detail: str  # for the operator: the API's words, or the operator's reason
    since: datetime
    request_id: str | None = None
    by: int | None = None  # the operator who paused by hand

    @property
    def manual(self) -> bool:
        return self.code == MANUAL

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "since": to_db_time(self.since)}

    @classmethod
    def from_json(cls, value: dict[str, object]) -> QueuePause:
        by = value.get("by")
        request_id = value.get("request_id")
        return cls(
            code=str(value["code"]), detail=str(value.get("detail", "")), since=from_db_time(str(value["since"])),
            request_id=str(request_id) if request_id is not None else None,
            by=int(by) if isinstance(by, int) else None,
        )


class PauseControl:
    def __init__(
        self,
        ctx: DispatchContext,
        alerts: Alerts,
        *,
        on_resume: Callable[[], None],
        on_change: Callable[[], None],
        next_hold: Callable[[], Awaitable[int | None]],
    ) -> None:
        self.ctx = ctx
        self.alerts = alerts
        self.on_resume = on_resume
        self.on_change = on_change  # waiting members' messages say paused, or no longer
        self.next_hold = next_hold
        self.state: QueuePause | None = None
        self._repo = BotStateRepository()
        self._lock = asyncio.Lock()
        self._probe: asyncio.Task[None] | None = None

    async def load(self) -> None:
        """At start: a pause left by the previous run still holds; an automatic one is probed."""
        async with self.ctx.db.read() as conn:
            stored = await self._repo.get(conn, _KEY)
        self.state = QueuePause.from_json(stored) if stored else None
        self.ctx.metrics.set_paused(self.state is not None)
        if self.state is not None:
            log.warning("The queue is still paused (%s since %s)", self.state.code, self.state.since.isoformat())
            self._start_probing()

    async def sync(self) -> None:
        """Another process paused or resumed the queue (a NOTIFY): take the stored state as it is.
        That process logged and alerted; here the queue only stops or starts again."""
        async with self._lock:
            async with self.ctx.db.read() as conn:
                stored = await self._repo.get(conn, _KEY)
            was, self.state = self.state, QueuePause.from_json(stored) if stored else None
        self.ctx.metrics.set_paused(self.state is not None)
        if (was is None) == (self.state is None):
            return
        if self.state is None:
            if self._probe is not None:
                self._probe.cancel()
            self._probe = None
            self.on_change()
            self.on_resume()
        else:
            self.on_change()

    async def pause_for(self, err: VivixAPIError) -> bool:
        return await self.pause(QueuePause(
            code=err.code, detail=err.message or err.code, since=self.ctx.clock(), request_id=err.request_id,
        ))

    async def pause(self, pause: QueuePause) -> bool:
        """Pause the queue; False when it already was (nothing logged or alerted again)."""
        async with self._lock:
            if self.state is not None:
                return False
            async with self.ctx.db.transaction() as tx:
                await self._repo.put(tx, _KEY, pause.to_json(), self.ctx.clock())
                await notify(tx, CONTROL, "pause")  # the other processes refuse new requests too
            self.state = pause
        self.ctx.metrics.set_paused(True)
        who = f"by operator {pause.by}" if pause.manual else f"the API answered {pause.code}"
        request = f" (request {pause.request_id})" if pause.request_id else ""
        log.warning("Queue paused: %s%s: %s", who, request, pause.detail)
        lines = [f"Reason: `{pause.code}`{request}" if not pause.manual else f"Paused by <@{pause.by}>",
                 f"Details: {pause.detail}"]
        if not pause.manual:
            lines.append("The bot checks the key every few minutes and resumes by itself once it works and "
                         "the wallet covers the next job; `/operator resume` resumes at once.")
        await self.alerts.send(Alert(Incident.PAUSED, "⏸️ The generation queue is paused", tuple(lines)))
        self.on_change()
        self._start_probing()
        return True

    async def resume(self, *, by: int | None, why: str) -> bool:
        """Resume the queue; False when it was not paused."""
        async with self._lock:
            pause = self.state
            if pause is None:
                return False
            async with self.ctx.db.transaction() as tx:
                await self._repo.delete(tx, _KEY)
                await notify(tx, CONTROL, "resume")
            self.state = None
        self.ctx.metrics.set_paused(False)
        if self._probe is not None and self._probe is not asyncio.current_task():
            self._probe.cancel()
        self._probe = None
        who = f"by operator {by}" if by is not None else "by itself"
        paused_for = (self.ctx.clock() - pause.since).total_seconds()
        log.warning("Queue resumed %s after %.0fs paused (%s): %s", who, paused_for, pause.code, why)
        await self.alerts.send(Alert(Incident.RESUMED, "▶️ The generation queue is running again", (
            f"Resumed {who}: {why}.", f"It was paused for {_duration(paused_for)} (`{pause.code}`).",
        )))
        self.on_change()
        self.on_resume()
        return True

    def _start_probing(self) -> None:
        if self.state is None or self.state.manual or self.ctx.closed:
            return
        if self._probe is None or self._probe.done():
            self._probe = self.ctx.tasks.spawn(self._probe_until_resumed(), "probe paused account")

    async def _probe_until_resumed(self) -> None:
        """GET /models with back-off (1 minute, doubling to 15): one cheap call that tells
        both whether the key works and what the wallet holds."""
        pauses = self.ctx.pauses
        delay = pauses.probe_first
        while self.state is not None and not self.state.manual:
            await asyncio.sleep(delay)
            delay = min(delay * 2, pauses.probe_max)
            if not await self.ctx.catalog.refresh():
                log.info("Still paused: the API still refuses the key (%s)", self.ctx.catalog.last_error)
                continue
            snapshot = self.ctx.catalog.snapshot
            balance = snapshot.credits_balance if snapshot is not None else None
            needed = await self.next_hold()
            if balance is not None and needed is not None and balance < needed:
                log.info("Still paused: the wallet holds %d credits, the next job needs up to %d", balance, needed)
                continue
            await self.resume(by=None, why="the API key works and the wallet covers the next job")
            return


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return f"{int(seconds)} s"
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"

