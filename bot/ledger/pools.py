"""Pools: credits a server sets aside from its allowance under a key (a contest's prizes, its
sponsored budget), drawn down a little at a time, the rest released at the end.

A pool is a ``credit_hold`` row whose ``job_id`` is the pool's key and whose member is
``POOL_MEMBER`` (0, the server itself), so it counts against no member's caps or jobs in
flight. Its ``amount`` is what it still holds. A draw lowers it and writes a ``release`` row,
then, in the same transaction, the use the credits are drawn for:

- a job's hold (``hold_from_pool_in``): a ``hold`` row for the job, again on ``POOL_MEMBER``,
  so the member who asked is not charged; the dispatcher settles or releases it by job id like
  any other hold (what it does not use goes back to the allowance, not to the pool);
- a prize (``pay_from_pool_in``): ``adjust -n`` (allowance turned into bonus) and ``bonus +n``
  to the winner, so the allowance stays down by the prize and the member's bonus goes up.

What is left goes back with ``release_in(key)``, which writes off what a past cycle held, as it
does for a job. Every row is written with the balance change it records: ``audit`` stays ok.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping

from bot.ledger import checks
from bot.ledger.base import LedgerBase
from bot.ledger.checks import Actor
from bot.ledger.errors import CreditError, DuplicateHoldError, QuotaExceededError, UnknownHoldError
from bot.ledger.renewal import SYSTEM, current_guild
from bot.store.connections import Reader, Transaction
from bot.store.credit_holds import CreditHold
from bot.store.guild_credits import GuildCredit

log = logging.getLogger(__name__)

POOL_MEMBER = 0
"""The member id of pools and of the job holds they pay for: the server itself."""


class PoolExhaustedError(CreditError):
    """A pool holds less than a draw needs (or is closed); nothing changed."""

    def __init__(self, key: str, needed: int, left: int) -> None:
        self.key = key
        self.needed = needed
        self.left = left
        super().__init__(f"pool {key}: needed {needed}, {left} left")


class PoolHolds(LedgerBase):
    """Holds of a server's own (contest prizes and budgets), drawn down within transactions."""

    async def hold_pools_in(
        self, tx: Transaction, guild_id: int, pools: Mapping[str, int], *, reason: str, actor: Actor = SYSTEM
    ) -> list[CreditHold]:
        """Set each ``{key: amount}`` aside from the allowance left this cycle (never from members'
        bonus), all or none: QuotaExceededError("guild_allowance", needed=the total, left=the
        allowance left) when they do not fit together. Amounts of 0 make no pool."""
        checks.snowflake("guild_id", guild_id)
        wanted = {checks.job_id(key): checks.count("amount", amount) for key, amount in pools.items() if amount}
        guild = await current_guild(tx, guild_id, self._now(), self.defaults)
        total = sum(wanted.values())
        if total > guild.allowance_left:
            raise QuotaExceededError("guild_allowance", total, guild.allowance_left, guild.cycle_end)
        return [
            await self.hold_pool_in(tx, guild_id, key, amount, reason=reason, actor=actor)
            for key, amount in wanted.items()
        ]

    async def hold_pool_in(
        self, tx: Transaction, guild_id: int, key: str, amount: int, *, reason: str, actor: Actor = SYSTEM
    ) -> CreditHold:
        """Set ``amount`` aside from the allowance left this cycle (never from members' bonus);
        QuotaExceededError("guild_allowance", ...) with the figures when it does not fit."""
        checks.snowflake("guild_id", guild_id)
        checks.positive_amount("amount", amount)
        checks.job_id(key)
        who, why = checks.actor(actor), checks.reason(reason)
        now = self._now()
        guild = await current_guild(tx, guild_id, now, self.defaults)
        existing = await self._holds.get(tx, key)
        if existing is not None:
            raise DuplicateHoldError(key, existing)
        if amount > guild.allowance_left:
            raise QuotaExceededError("guild_allowance", amount, guild.allowance_left, guild.cycle_end)
        hold = CreditHold(
            job_id=key, guild_id=guild_id, member_id=POOL_MEMBER, model=None, amount=amount, from_caps=amount,
            from_bonus=0, status="held", charged=0, caps_used=0, bonus_used=0, cycle_no=guild.cycle_no,
            created_at=now, closed_at=None,
        )
        await self._holds.insert(tx, hold)
        await self._entries.append(
            tx, guild_id=guild_id, kind="hold", amount=amount, cycle_no=guild.cycle_no, actor=who,
            reason=why, now=now, job_id=key,
        )
        await self._guilds.update(tx, dataclasses.replace(
            guild, available=guild.available - amount, held=guild.held + amount, updated_at=now,
        ))
        log.info("guild %d: %d set aside as %s by %s", guild_id, amount, key, who)
        return hold

    async def pool_left(self, conn: Reader, key: str) -> int:
        """What the pool still holds (0 once it is closed or was never made)."""
        hold = await self._holds.get(conn, key)
        return hold.amount if hold is not None and hold.is_open else 0

    async def hold_from_pool_in(
        self, tx: Transaction, key: str, amount: int, job_id: str, *, model: str | None, reason: str
    ) -> CreditHold:
        """Move ``amount`` from the pool into a hold for ``job_id`` (on ``POOL_MEMBER``)."""
        checks.job_id(job_id)
        existing = await self._holds.get(tx, job_id)
        if existing is not None:
            raise DuplicateHoldError(job_id, existing)
        guild, pool = await self._draw_in(tx, key, amount, reason=reason)
        now = self._now()
        # The pool's cycle, not today's: what the job gives back after that cycle ended is written
        # off, as the pool's own rest would be, instead of swelling a later cycle's allowance.
        hold = CreditHold(
            job_id=job_id, guild_id=guild.guild_id, member_id=POOL_MEMBER, model=model, amount=amount,
            from_caps=amount, from_bonus=0, status="held", charged=0, caps_used=amount, bonus_used=0,
            cycle_no=pool.cycle_no, created_at=now, closed_at=None,
        )
        await self._holds.insert(tx, hold)
        await self._entries.append(
            tx, guild_id=guild.guild_id, kind="hold", amount=amount, cycle_no=guild.cycle_no, actor=SYSTEM,
            reason=f"held for job from {key}", now=now, member_id=POOL_MEMBER, job_id=job_id, model=model,
        )
        await self._guilds.update(tx, dataclasses.replace(
            guild, available=guild.available - amount, held=guild.held + amount, updated_at=now,
        ))
        return hold

    async def pay_from_pool_in(
        self, tx: Transaction, key: str, member_id: int, amount: int, *, reason: str, actor: Actor = SYSTEM
    ) -> int:
        """Pay ``amount`` from the pool to a member as bonus credits; returns their new bonus."""
        checks.snowflake("member_id", member_id)
        who, why = checks.actor(actor), checks.reason(reason)
        guild, _ = await self._draw_in(tx, key, amount, reason=why)
        now = self._now()
        await self._entries.append(
            tx, guild_id=guild.guild_id, kind="adjust", amount=-amount, cycle_no=guild.cycle_no, actor=who,
            reason=f"{why}: allowance set aside in {key} becomes bonus", now=now, member_id=member_id, job_id=key,
        )
        bonus = await self._members.add_bonus(tx, guild.guild_id, member_id, amount)
        await self._entries.append(
            tx, guild_id=guild.guild_id, kind="bonus", amount=amount, cycle_no=guild.cycle_no, actor=who,
            reason=why, now=now, member_id=member_id, job_id=key,
        )
        await self._guilds.update(tx, dataclasses.replace(
            guild, bonus_pool=guild.bonus_pool + amount, updated_at=now,
        ))
        log.info("guild %d: %d paid from %s to member %d", guild.guild_id, amount, key, member_id)
        return bonus

    async def _draw_in(
        self, tx: Transaction, key: str, amount: int, *, reason: str
    ) -> tuple[GuildCredit, CreditHold]:
        """Release ``amount`` from the pool into the allowance (a 'release' row); the caller uses it
        in the same transaction. Returns the guild's row after the release, and the pool as it was."""
        checks.positive_amount("amount", amount)
        hold = await self._holds.get(tx, key)
        if hold is None:
            raise UnknownHoldError(key)
        now = self._now()
        guild = await current_guild(tx, hold.guild_id, now, self.defaults)
        hold = await self._holds.get(tx, key) or hold  # again, now under the server's lock (PostgreSQL)
        left = hold.amount if hold.is_open else 0
        if amount > left:
            raise PoolExhaustedError(key, amount, left)
        if amount == hold.amount:
            closed = await self._holds.close(
                tx, key, status="released", charged=0, caps_used=0, bonus_used=0, now=now
            )
        else:
            closed = await self._holds.shrink(tx, key, amount)
        assert closed, f"pool {key} changed under the server's lock"  # cannot happen
        await self._entries.append(
            tx, guild_id=hold.guild_id, kind="release", amount=amount, cycle_no=guild.cycle_no, actor=SYSTEM,
            reason=reason, now=now, job_id=key,
        )
        guild = dataclasses.replace(
            guild, available=guild.available + amount, held=guild.held - amount, updated_at=now
        )
        await self._guilds.update(tx, guild)
        return guild, hold
