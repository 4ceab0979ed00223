"""``CreditLedger``: per-guild allowances, member and role caps, and holds that settle or refund.

Every change of a balance is a ledger row written in the same ``BEGIN
IMMEDIATE`` transaction as the state it pays for. Each ``*_in(tx, ...)`` method
does its work inside a caller's transaction, so a job row and its hold commit
or roll back together; the plain methods open their own.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping

from bot.ledger import checks, reports
from bot.ledger.caps import scoped_caps
from bot.ledger.checks import Actor
from bot.ledger.cycles import CycleKind, cycle_bounds, day_start, parse_cycle
from bot.ledger.errors import DuplicateHoldError, InvalidInputError, UnknownHoldError
from bot.ledger.models import (
    UNCHANGED,
    CapValue,
    GuildStatus,
    HoldOutcome,
    Inherit,
    ScopedCaps,
    Unchanged,
)
from bot.ledger.pools import PoolHolds
from bot.ledger.quota import load_member_quota
from bot.ledger.reading import LedgerReads
from bot.ledger.renewal import SYSTEM, current_guild
from bot.store.connections import Transaction
from bot.store.credit_holds import CreditHold, HoldStatus
from bot.store.credit_limits import LimitName, LimitScope
from bot.store.ledger_entries import EntryKind

log = logging.getLogger(__name__)

CapArg = CapValue | Unchanged


class CreditLedger(PoolHolds, LedgerReads):
    """Holds that settle or refund, pools a server sets aside (``PoolHolds``), and what admins
    and the operator change."""

    # -- holds ------------------------------------------------------------------------------

    async def hold(
        self,
        guild_id: int,
        member_id: int,
        amount: int,
        job_id: str,
        *,
        role_ids: Iterable[int] = (),
        model: str | None = None,
    ) -> CreditHold:
        """Hold ``amount`` for ``job_id``, all or nothing; QuotaExceededError names the limit."""
        async with self._db.transaction() as tx:
            return await self.hold_in(tx, guild_id, member_id, amount, job_id, role_ids=role_ids, model=model)

    async def hold_in(
        self,
        tx: Transaction,
        guild_id: int,
        member_id: int,
        amount: int,
        job_id: str,
        *,
        role_ids: Iterable[int] = (),
        model: str | None = None,
    ) -> CreditHold:
        """``hold`` inside the caller's transaction (roll it back on any error raised here)."""
        checks.snowflake("guild_id", guild_id)
        checks.snowflake("member_id", member_id)
        checks.positive_amount("amount", amount)
        checks.job_id(job_id)
        roles = checks.snowflakes("role_ids", role_ids)
        now = self._now()
        guild = await current_guild(tx, guild_id, now, self.defaults)
        existing = await self._holds.get(tx, job_id)
        if existing is not None:
            raise DuplicateHoldError(job_id, existing)
        quota = await load_member_quota(tx, guild, member_id, roles, now, self.defaults.caps)
        from_caps, from_bonus = quota.split(amount)
        hold = CreditHold(
            job_id=job_id, guild_id=guild_id, member_id=member_id, model=model, amount=amount,
            from_caps=from_caps, from_bonus=from_bonus, status="held", charged=0,
            caps_used=from_caps, bonus_used=from_bonus, cycle_no=guild.cycle_no, created_at=now,
            closed_at=None,
        )
        await self._holds.insert(tx, hold)
        if from_bonus:
            await self._members.add_bonus(tx, guild_id, member_id, -from_bonus)
        reason = f"held for job ({from_bonus} from bonus)" if from_bonus else "held for job"
        await self._entries.append(
            tx, guild_id=guild_id, kind="hold", amount=amount, cycle_no=guild.cycle_no, actor=str(member_id),
            reason=reason, now=now, member_id=member_id, job_id=job_id, model=model,
        )
        await self._guilds.update(tx, dataclasses.replace(
            guild, available=guild.available - amount, held=guild.held + amount,
            bonus_pool=guild.bonus_pool - from_bonus, updated_at=now,
        ))
        log.debug("guild %d member %d: held %d for job %s", guild_id, member_id, amount, job_id)
        return hold

    async def settle(self, job_id: str, actual: int, *, actor: Actor = SYSTEM) -> HoldOutcome:
        """Charge ``actual`` (at most the hold) and return the rest. At most once per job."""
        async with self._db.transaction() as tx:
            return await self.settle_in(tx, job_id, actual, actor=actor)

    async def settle_in(
        self, tx: Transaction, job_id: str, actual: int, *, actor: Actor = SYSTEM
    ) -> HoldOutcome:
        checks.job_id(job_id)
        checks.count("actual", actual)
        return await self._close(tx, job_id, actual, checks.actor(actor))

    async def release(self, job_id: str, *, actor: Actor = SYSTEM) -> HoldOutcome:
        """Return the whole hold. At most once per job; after a settle it changes nothing."""
        async with self._db.transaction() as tx:
            return await self.release_in(tx, job_id, actor=actor)

    async def release_in(self, tx: Transaction, job_id: str, *, actor: Actor = SYSTEM) -> HoldOutcome:
        checks.job_id(job_id)
        return await self._close(tx, job_id, None, checks.actor(actor))

    async def _close(self, tx: Transaction, job_id: str, actual: int | None, actor: str) -> HoldOutcome:
        hold = await self._holds.get(tx, job_id)
        if hold is None:
            raise UnknownHoldError(job_id)
        now = self._now()
        guild = await current_guild(tx, hold.guild_id, now, self.defaults)
        hold = await self._holds.get(tx, job_id) or hold  # again, now under the server's lock (PostgreSQL)
        if not hold.is_open:
            return _outcome(hold, already_closed=True)
        charge = 0 if actual is None else min(actual, hold.amount)
        if actual is not None and actual > hold.amount:
            log.warning(
                "job %s cost %d, above its hold of %d: charging the hold", job_id, actual, hold.amount
            )
        caps_used = min(charge, hold.from_caps)
        bonus_used = charge - caps_used
        caps_back = hold.from_caps - caps_used
        bonus_back = hold.from_bonus - bonus_used
        status: HoldStatus = "released" if actual is None else "settled"
        closed_now = await self._holds.close(
            tx, job_id, status=status, charged=charge, caps_used=caps_used, bonus_used=bonus_used, now=now
        )
        assert closed_now, f"hold {job_id} changed under the server's lock"  # cannot happen

        async def record(kind: EntryKind, amount: int, reason: str) -> None:
            await self._entries.append(
                tx, guild_id=hold.guild_id, kind=kind, amount=amount, cycle_no=guild.cycle_no, actor=actor,
                reason=reason, now=now, member_id=hold.member_id, job_id=job_id, model=hold.model,
            )

        if actual is not None:
            await record("settle", charge, "job cost")
        if caps_back + bonus_back:
            await record("release", caps_back + bonus_back,
                         "unused hold returned" if actual is not None else "hold returned")
        written_off = caps_back if hold.cycle_no != guild.cycle_no else 0
        if written_off:
            reason = f"returned after its cycle ({hold.cycle_no}) ended: written off"
            await record("adjust", -written_off, reason)
        if bonus_back:
            await self._members.add_bonus(tx, hold.guild_id, hold.member_id, bonus_back)
        await self._guilds.update(tx, dataclasses.replace(
            guild, available=guild.available + caps_back + bonus_back - written_off,
            held=guild.held - hold.amount, spent=guild.spent + charge,
            bonus_pool=guild.bonus_pool + bonus_back, updated_at=now,
        ))
        closed = dataclasses.replace(
            hold, status=status, charged=charge, caps_used=caps_used, bonus_used=bonus_used, closed_at=now
        )
        return _outcome(closed, already_closed=False)

    # -- admin ------------------------------------------------------------------------------

    async def set_allowance(self, guild_id: int, amount: int, actor: Actor) -> GuildStatus:
        """Set the allowance per cycle; the current cycle moves by the difference (never below 0 left)."""
        checks.snowflake("guild_id", guild_id)
        checks.count("amount", amount)
        who = checks.actor(actor)
        now = self._now()
        async with self._db.transaction() as tx:
            guild = await current_guild(tx, guild_id, now, self.defaults)
            applied = max(amount - guild.allowance, -guild.allowance_left)
            if applied:
                await self._entries.append(
                    tx, guild_id=guild_id, kind="adjust", amount=applied, cycle_no=guild.cycle_no, actor=who,
                    reason=f"allowance set from {guild.allowance} to {amount} per cycle", now=now,
                )
            guild = dataclasses.replace(
                guild, allowance=amount, available=guild.available + applied, updated_at=now
            )
            await self._guilds.update(tx, guild)
            log.info("guild %d: allowance set to %d by %s (this cycle %+d)", guild_id, amount, who, applied)
            return await reports.guild_status(tx, guild, self.defaults.caps)

    async def set_cycle(self, guild_id: int, kind: CycleKind | str, actor: Actor) -> GuildStatus:
        """Change the cycle kind now: the current period becomes the new kind's period containing now.

        Balances do not move (no renewal); the next renewal follows the new kind.
        """
        checks.snowflake("guild_id", guild_id)
        cycle = parse_cycle(kind)
        who = checks.actor(actor)
        now = self._now()
        async with self._db.transaction() as tx:
            guild = await current_guild(tx, guild_id, now, self.defaults)
            if cycle.value != guild.cycle_kind:
                anchor = day_start(now) if cycle is CycleKind.ROLLING_30D else guild.cycle_anchor
                start, end = cycle_bounds(cycle, now, anchor)
                guild = dataclasses.replace(
                    guild, cycle_kind=cycle.value, cycle_anchor=anchor, cycle_start=start, cycle_end=end,
                    updated_at=now,
                )
                await self._guilds.update(tx, guild)
                log.info("guild %d: cycle set to %s by %s", guild_id, cycle.value, who)
            return await reports.guild_status(tx, guild, self.defaults.caps)

    async def set_member_caps(
        self,
        guild_id: int,
        member_id: int | None,
        *,
        day: CapArg = UNCHANGED,
        cycle: CapArg = UNCHANGED,
        actor: Actor,
    ) -> ScopedCaps:
        """Caps for one member, or (member_id None) the guild default. None = unlimited, INHERIT = unset."""
        checks.snowflake("guild_id", guild_id)
        if member_id is None:
            return await self._set_caps(guild_id, "default", 0, {"day": day, "cycle": cycle}, actor)
        checks.snowflake("member_id", member_id)
        return await self._set_caps(guild_id, "member", member_id, {"day": day, "cycle": cycle}, actor)

    async def set_role_caps(
        self,
        guild_id: int,
        role_id: int,
        *,
        day: CapArg = UNCHANGED,
        cycle: CapArg = UNCHANGED,
        actor: Actor,
    ) -> ScopedCaps:
        checks.snowflake("guild_id", guild_id)
        checks.snowflake("role_id", role_id)
        return await self._set_caps(guild_id, "role", role_id, {"day": day, "cycle": cycle}, actor)

    async def set_max_in_flight(
        self,
        guild_id: int,
        value: CapValue,
        *,
        actor: Actor,
        member_id: int | None = None,
        role_id: int | None = None,
    ) -> ScopedCaps:
        """Jobs a member may have in flight: for a member, a role, or (neither given) the guild default."""
        checks.snowflake("guild_id", guild_id)
        if member_id is not None and role_id is not None:
            raise InvalidInputError("role_id", role_id, "give a member or a role, not both")
        scope: LimitScope = "default"
        target = 0
        if member_id is not None:
            scope = "member"
            target = checks.snowflake("member_id", member_id)
        elif role_id is not None:
            scope = "role"
            target = checks.snowflake("role_id", role_id)
        return await self._set_caps(guild_id, scope, target, {"in_flight": value}, actor)

    async def _set_caps(
        self,
        guild_id: int,
        scope: LimitScope,
        target_id: int,
        values: Mapping[LimitName, CapArg],
        actor: Actor,
    ) -> ScopedCaps:
        checked = {name: checks.cap_value(name, value) for name, value in values.items()}
        who = checks.actor(actor)
        now = self._now()
        async with self._db.transaction() as tx:
            await current_guild(tx, guild_id, now, self.defaults)
            for name, value in checked.items():
                if isinstance(value, Unchanged):
                    continue
                if isinstance(value, Inherit):
                    await self._limits.remove(tx, guild_id, scope, target_id, name)
                else:
                    await self._limits.put(tx, guild_id, scope, target_id, name, value, actor=who, now=now)
            log.info("guild %d: %s %d caps %s set by %s", guild_id, scope, target_id, checked, who)
            return scoped_caps(await self._limits.for_guild(tx, guild_id), scope, target_id)

    async def grant_bonus(self, guild_id: int, member_id: int, amount: int, reason: str, actor: Actor) -> int:
        """Give a member bonus credits (they join the guild's pool); returns the member's new bonus."""
        checks.snowflake("guild_id", guild_id)
        checks.snowflake("member_id", member_id)
        checks.positive_amount("amount", amount)
        why = checks.reason(reason)
        who = checks.actor(actor)
        now = self._now()
        async with self._db.transaction() as tx:
            guild = await current_guild(tx, guild_id, now, self.defaults)
            bonus = await self._members.add_bonus(tx, guild_id, member_id, amount)
            await self._entries.append(
                tx, guild_id=guild_id, kind="bonus", amount=amount, cycle_no=guild.cycle_no, actor=who,
                reason=why or "bonus", now=now, member_id=member_id,
            )
            await self._guilds.update(tx, dataclasses.replace(
                guild, available=guild.available + amount, bonus_pool=guild.bonus_pool + amount,
                updated_at=now,
            ))
        log.info("guild %d: %d bonus to member %d by %s", guild_id, amount, member_id, who)
        return bonus

def _outcome(hold: CreditHold, *, already_closed: bool) -> HoldOutcome:
    return HoldOutcome(
        job_id=hold.job_id,
        guild_id=hold.guild_id,
        member_id=hold.member_id,
        status=hold.status,
        held=hold.amount,
        charged=hold.charged,
        released=0 if hold.is_open else hold.amount - hold.charged,
        already_closed=already_closed,
    )
