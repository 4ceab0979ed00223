"""``PolicyService``: the one place a server's policy is decided and changed.

Every way to start a job (commands, result buttons, forms, message commands, contests) reaches
``check`` through ``GenerationService.create``, after the request is validated and before any
credit is held. A refusal raises its ``PolicyError`` for the one error handler and is reported to
every ``RefusalObserver`` (the log for now; an audit-log channel can subscribe later). Policies are
read from the database once and kept per server until a change, so a change takes effect at once
and survives a restart; one server's policy never touches another's.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from ..clock import Clock
from ..errors import PolicyError
from ..store.database import Database
from .errors import PolicyInputError, PolicyNotFoundError
from .rules import (
    ChannelMode,
    Effect,
    MemberBlock,
    ModelRule,
    Policy,
    SensitiveMode,
    TargetKind,
    TextRefused,
    Verdict,
    Where,
    check_access,
    check_model,
    check_texts,
    model_allowed,
)
from .terms import Term, TermKind, TermList, TermSource, check_term

if TYPE_CHECKING:  # the repository imports the rules' types from this package
    from ..store.policy import PolicyRepository

log = logging.getLogger(__name__)

MAX_TERMS = 200  # per list per server: every request is matched against them
MAX_REGEX_TERMS = 20


class RequestFacts(Protocol):
    """What the policy reads of a request (``GenerationRequest`` has it all)."""

    @property
    def guild_id(self) -> int: ...
    @property
    def channel_id(self) -> int: ...
    @property
    def member_id(self) -> int: ...
    @property
    def role_ids(self) -> Sequence[int]: ...
    @property
    def parent_channel_id(self) -> int | None: ...
    @property
    def age_restricted(self) -> bool: ...
    @property
    def command(self) -> str: ...
    @property
    def prompt(self) -> str: ...
    @property
    def params(self) -> Mapping[str, object]: ...
    @property
    def options_text(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Refusal:
    """One refused request, for observers. ``term`` is what matched, for a subscriber that may
    show it to the server's admins; it is never logged (the operator's terms are not theirs)."""

    where: Where
    command: str
    model: str
    error: PolicyError
    term: Term | None = None
    timed_out: bool = False  # a regex term ran out of time (the request was refused to be safe)

    @property
    def rule(self) -> str:
        return type(self.error).__name__.removesuffix("Error")


class RefusalObserver(Protocol):
    async def on_refusal(self, refusal: Refusal) -> None: ...


class LogRefusals:
    """The default observer: one log line per refusal, without the term."""

    async def on_refusal(self, refusal: Refusal) -> None:
        where = refusal.where
        detail = ""
        if refusal.term is not None:
            timed_out = ", regex timed out" if refusal.timed_out else ""
            detail = f" ({refusal.term.source} {refusal.term.kind} term{timed_out})"
        log.info("policy refused /%s on %s in guild %s channel %s for member %s: %s%s", refusal.command,
                 refusal.model, where.guild_id, where.channel_id, where.member_id, refusal.rule, detail)


def texts_of(request: RequestFacts) -> list[str]:
    """What the blocklist reads: the prompt, the negative prompt and every other text option."""
    texts = [request.prompt]
    texts += [str(value) for name, value in request.params.items()
              if name != "reference_images" and isinstance(value, str)]
    if request.options_text:
        texts.append(request.options_text)
    return texts


def where_of(request: RequestFacts) -> Where:
    return Where(request.guild_id, request.channel_id, request.member_id, tuple(request.role_ids),
                 request.parent_channel_id, request.age_restricted)


Cancel = Callable[[str, int], Awaitable[object]]


class PolicyService:
    def __init__(
        self, *, db: Database, repo: PolicyRepository, clock: Clock, operator_terms: Sequence[Term] = (),
        observers: Sequence[RefusalObserver] = (), cancel: Cancel | None = None,
    ) -> None:
        self.db = db
        self.repo = repo
        self.clock = clock
        self.operator_terms = tuple(Term(t.kind, t.text, TermSource.OPERATOR) for t in operator_terms)
        self.observers: list[RefusalObserver] = [LogRefusals(), *observers]
        self.cancel = cancel  # the dispatcher's cancel of a waiting job, with a full refund
        self._cache: dict[int, Policy] = {}
        self._changes: dict[int, int] = {}  # per server: a read that overlapped a change is not kept

    def subscribe(self, observer: RefusalObserver) -> None:
        self.observers.append(observer)

    # -- reading ---------------------------------------------------------------------------

    async def policy(self, guild_id: int) -> Policy:
        """The server's policy, from memory after the first read."""
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        seen = self._changes.get(guild_id, 0)
        async with self.db.read() as conn:
            channel_mode, sensitive_mode = await self.repo.modes(conn, guild_id)
            policy = Policy(
                guild_id, channel_mode, await self.repo.channels(conn, guild_id), sensitive_mode,
                (*await self.repo.terms(conn, guild_id, TermList.BLOCK), *self.operator_terms),
                tuple(await self.repo.terms(conn, guild_id, TermList.SENSITIVE)),
                tuple(await self.repo.model_rules(conn, guild_id)),
                await self.repo.member_blocks(conn, guild_id),
                await self.repo.server_blocked(conn, guild_id),
            )
        if self._changes.get(guild_id, 0) == seen:
            self._cache[guild_id] = policy
        return policy

    # -- deciding --------------------------------------------------------------------------

    async def check(self, request: RequestFacts, slug: str, category: str) -> Verdict:
        """Every rule for one validated request, before anything is held. Raises the refusal."""
        where = where_of(request)
        policy = await self.policy(where.guild_id)
        try:
            check_access(policy, where, self.clock())
            check_model(policy, where, slug, category)
            decision = check_texts(policy, where, texts_of(request))
        except TextRefused as refused:
            await self._refused(Refusal(where, request.command, slug, refused.error, refused.match.term,
                                        refused.match.timed_out))
            raise refused.error from None
        except PolicyError as err:
            await self._refused(Refusal(where, request.command, slug, err))
            raise
        return decision.verdict

    async def _refused(self, refusal: Refusal) -> None:
        for observer in self.observers:
            try:
                await observer.on_refusal(refusal)
            except Exception:  # an observer never changes the answer the member gets
                log.exception("policy: a refusal observer failed")

    async def allowed(self, where: Where, models: Sequence[tuple[str, str]]) -> list[bool]:
        """For autocomplete: which of ``(slug, category)`` may be used where the member is."""
        policy = await self.policy(where.guild_id)
        now = self.clock()
        return [model_allowed(policy, where, slug, category, now) for slug, category in models]

    # -- changing (each change is read back at once: the cached copy is dropped) ------------

    async def add_term(self, guild_id: int, which: TermList, kind: TermKind, text: str, by: int) -> Term:
        term = Term(kind, check_term(kind, text))
        policy = await self.policy(guild_id)
        own = policy.block_terms if which is TermList.BLOCK else policy.sensitive_terms
        own = tuple(t for t in own if t.source is TermSource.SERVER)
        if len(own) >= MAX_TERMS:
            raise PolicyInputError(f"❌ This list holds at most {MAX_TERMS} terms. Nothing was changed.")
        if kind is TermKind.REGEX and sum(t.kind is TermKind.REGEX for t in own) >= MAX_REGEX_TERMS:
            raise PolicyInputError(f"❌ This list holds at most {MAX_REGEX_TERMS} regex terms. Nothing was changed.")
        async with self.db.transaction() as tx:
            added = await self.repo.add_term(tx, guild_id, which, term, by, self.clock())
        self._forget(guild_id)
        if not added:
            raise PolicyInputError("❌ That term is already on the list. Nothing was changed.")
        return term

    async def remove_term(self, guild_id: int, which: TermList, text: str) -> None:
        text = text.strip()
        async with self.db.transaction() as tx:
            removed = await self.repo.remove_term(tx, guild_id, which, text)
        self._forget(guild_id)
        if removed:
            return
        if which is TermList.BLOCK and any(t.text == text for t in self.operator_terms):
            raise PolicyInputError("❌ That term is on the operator's list, which every server keeps. "
                                   "Nothing was changed.")
        raise PolicyNotFoundError("❌ That term is not on this server's list. Nothing was changed.")

    async def terms(self, guild_id: int, which: TermList) -> list[Term]:
        async with self.db.read() as conn:
            return await self.repo.terms(conn, guild_id, which)

    async def set_channel_mode(self, guild_id: int, mode: ChannelMode) -> None:
        async with self.db.transaction() as tx:
            await self.repo.set_channel_mode(tx, guild_id, mode, self.clock())
        self._forget(guild_id)

    async def set_channel(self, guild_id: int, channel_id: int, *, listed: bool, by: int) -> bool:
        """List or unlist a channel; False when it already was (or was not)."""
        async with self.db.transaction() as tx:
            if listed:
                changed = await self.repo.add_channel(tx, guild_id, channel_id, by, self.clock())
            else:
                changed = await self.repo.remove_channel(tx, guild_id, channel_id)
        self._forget(guild_id)
        return changed

    async def set_sensitive_mode(self, guild_id: int, mode: SensitiveMode) -> None:
        async with self.db.transaction() as tx:
            await self.repo.set_sensitive_mode(tx, guild_id, mode, self.clock())
        self._forget(guild_id)

    async def add_model_rule(
        self, guild_id: int, effect: Effect, target: str, kind: TargetKind, *, channel_id: int | None,
        role_id: int | None, by: int,
    ) -> ModelRule:
        target = target.strip().casefold()
        if not target or len(target) > 100:
            raise PolicyInputError("❌ Name a model or a category. Nothing was changed.")
        rule = ModelRule(0, effect, target, kind, channel_id, role_id)
        async with self.db.transaction() as tx:
            rule_id = await self.repo.add_model_rule(tx, guild_id, rule, by, self.clock())
        self._forget(guild_id)
        if not rule_id:
            raise PolicyInputError("❌ That rule is already there. Nothing was changed.")
        return ModelRule(rule_id, effect, target, kind, channel_id, role_id)

    async def remove_model_rule(self, guild_id: int, rule_id: int) -> None:
        async with self.db.transaction() as tx:
            removed = await self.repo.remove_model_rule(tx, guild_id, rule_id)
        self._forget(guild_id)
        if not removed:
            raise PolicyNotFoundError(f"❌ This server has no model rule #{rule_id}. Nothing was changed.")

    async def block_member(
        self, guild_id: int, member_id: int, *, until: datetime | None, reason: str | None, by: int
    ) -> tuple[MemberBlock, int]:
        """Block a member here and cancel their waiting jobs with a full refund; how many were cancelled."""
        block = MemberBlock(member_id, until, reason, by, self.clock())
        async with self.db.transaction() as tx:
            await self.repo.block_member(tx, guild_id, block)
        self._forget(guild_id)
        return block, await self._cancel_waiting(guild_id, member_id, by)

    async def unblock_member(self, guild_id: int, member_id: int) -> None:
        async with self.db.transaction() as tx:
            removed = await self.repo.unblock_member(tx, guild_id, member_id)
        self._forget(guild_id)
        if not removed:
            raise PolicyNotFoundError("❌ That member is not blocked here. Nothing was changed.")

    async def block_server(self, guild_id: int, *, reason: str | None, by: int) -> int:
        """The operator stops the bot serving a server; its waiting jobs are cancelled and refunded."""
        async with self.db.transaction() as tx:
            await self.repo.block_server(tx, guild_id, reason, by, self.clock())
        self._forget(guild_id)
        return await self._cancel_waiting(guild_id, None, by)

    async def unblock_server(self, guild_id: int) -> bool:
        async with self.db.transaction() as tx:
            removed = await self.repo.unblock_server(tx, guild_id)
        self._forget(guild_id)
        return removed

    async def _cancel_waiting(self, guild_id: int, member_id: int | None, by: int) -> int:
        if self.cancel is None:
            return 0
        async with self.db.read() as conn:
            waiting = await self.repo.queued_job_ids(conn, guild_id, member_id)
        cancelled = 0
        for job_id in waiting:  # one that was submitted meanwhile runs out as usual
            if await self.cancel(job_id, by) is not None:
                cancelled += 1
        return cancelled

    def _forget(self, guild_id: int) -> None:
        self._changes[guild_id] = self._changes.get(guild_id, 0) + 1
        self._cache.pop(guild_id, None)
