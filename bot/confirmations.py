"""Exact cost before spending: above a server's threshold, a request waits for its member's
Confirm before anything is held.

The waiting request (the ``GenerationRequest``'s fields, as JSON) is stored with its expiry,
keyed by the id the Confirm and Cancel buttons carry, so a Confirm still works after a restart
within ``CONFIRM_SECONDS``. Confirming deletes the row first, in its own transaction: only the
click that deleted it gets the request back, so two clicks cannot start two jobs. The request is
then run through ``GenerationService.create`` again, marked confirmed: validation, policy and
caps are checked afresh, since they may have changed meanwhile.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import TypeAdapter

from .clock import Clock
from .errors import InputError, QueueError
from .generation import GenerationRequest
from .headroom import Headroom
from .store.confirmations import ConfirmationRepository, PendingRow
from .store.database import Database

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 60
MAX_THRESHOLD = 10_000_000
_requests = TypeAdapter(GenerationRequest)


@dataclass(frozen=True, slots=True)
class AwaitingConfirmation:
    """A request held back until its member confirms: what the private prompt shows."""

    id: str  # carried by the prompt's buttons
    request: GenerationRequest
    model: str  # the model's slug
    amount: int  # the exact hold a Confirm makes
    headroom: Headroom  # what the member has left after it
    expires_at: datetime


class ConfirmationGoneError(QueueError):
    """The request no longer waits: it expired, or it was already confirmed or cancelled."""

    def __init__(self) -> None:
        super().__init__(
            f"⌛ That request is no longer waiting: it expired after {CONFIRM_SECONDS} s, or it was already "
            "answered. Nothing was held for it; run the command again if you still want it."
        )


class NotYourConfirmationError(QueueError):
    def __init__(self) -> None:
        super().__init__("🔒 Only the member who asked can confirm or cancel that request.")


class ThresholdInputError(InputError):
    def __init__(self, given: str) -> None:
        shown = given if len(given) <= 40 else given[:39] + "…"
        super().__init__(
            f"❌ `amount` must be a whole number of credits from 0 to {MAX_THRESHOLD:,}, or `off` "
            f"(got `{shown}`). Nothing was changed."
        )


def parse_threshold(given: str) -> int | None:
    """An admin's ``/quota confirm-above`` value: credits, or None for ``off``."""
    text = given.strip().lower().replace(",", "").replace("_", "")
    if text in ("off", "none", "no"):
        return None
    if not text.isdigit() or int(text) > MAX_THRESHOLD:
        raise ThresholdInputError(given)
    return int(text)


class Confirmations:
    def __init__(self, db: Database, clock: Clock, *, ttl: timedelta = timedelta(seconds=CONFIRM_SECONDS)) -> None:
        self.db = db
        self.clock = clock
        self.ttl = ttl
        self.repo = ConfirmationRepository()
        self._thresholds: dict[int, int | None] = {}  # read once per server; this process writes them

    async def threshold(self, guild_id: int) -> int | None:
        """Holds above this many credits ask first; None: never (the default)."""
        if guild_id not in self._thresholds:
            async with self.db.read() as conn:
                self._thresholds[guild_id] = await self.repo.threshold(conn, guild_id)
        return self._thresholds[guild_id]

    async def set_threshold(self, guild_id: int, above: int | None, *, by: int) -> None:
        async with self.db.transaction() as tx:
            if above is None:
                await self.repo.clear_threshold(tx, guild_id)
            else:
                await self.repo.set_threshold(tx, guild_id, above, by, self.clock())
        self._thresholds[guild_id] = above
        log.info("guild %d: confirm above %s credits (set by %d)", guild_id, above, by)

    async def ask(self, request: GenerationRequest, model: str, amount: int,
                  headroom: Headroom) -> AwaitingConfirmation | None:
        """Store the request and return the prompt to show when ``amount`` is above the server's
        threshold; None when it may go ahead at once."""
        above = await self.threshold(request.guild_id)
        if above is None or amount <= above:
            return None
        now = self.clock()
        pending = AwaitingConfirmation(uuid.uuid4().hex, request, model, amount, headroom, now + self.ttl)
        async with self.db.transaction() as tx:
            await self.repo.delete_expired(tx, now)  # the unanswered ones, swept as new ones come
            await self.repo.insert(tx, PendingRow(
                id=pending.id, guild_id=request.guild_id, member_id=request.member_id, amount=amount,
                request_json=_requests.dump_json(request).decode(), created_at=now, expires_at=pending.expires_at,
            ))
        return pending

    async def take(self, pending_id: str, member_id: int, role_ids: tuple[int, ...]) -> GenerationRequest:
        """The member confirmed: the request, marked confirmed and with their roles as they are now.
        Exactly one call per request gets it; every other one (a second click, a late one) is refused."""
        row = await self._remove(pending_id, member_id)
        request = _requests.validate_json(row.request_json)
        return dataclasses.replace(request, references=tuple(request.references), confirmed=True, role_ids=role_ids)

    async def decline(self, pending_id: str, member_id: int) -> None:
        """The member cancelled: the request is dropped (nothing was held for it)."""
        await self._remove(pending_id, member_id)

    async def _remove(self, pending_id: str, member_id: int) -> PendingRow:
        async with self.db.transaction() as tx:
            row = await self.repo.get(tx, pending_id)
            if row is None:
                raise ConfirmationGoneError()
            if row.member_id != member_id:
                raise NotYourConfirmationError()
            await self.repo.delete(tx, pending_id)
        if row.expires_at <= self.clock():
            raise ConfirmationGoneError()
        return row
