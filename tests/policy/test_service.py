"""PolicyService on a real SQLite file: changes apply at once, survive a reopen, stay in their server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.policy import (
    BlockedTermError,
    ChannelMode,
    ChannelNotAllowedError,
    Effect,
    MemberBlockedError,
    PolicyInputError,
    PolicyService,
    Refusal,
    SensitiveMode,
    TargetKind,
    Term,
    TermKind,
    TermList,
)
from bot.policy.errors import PolicyNotFoundError
from bot.store import Database
from bot.store.policy import PolicyRepository

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ONE, TWO, STUDIO, ALICE, ADMIN = 1, 2, 10, 100, 900


@dataclass(frozen=True)
class Request:
    """The facts a request gives the policy (GenerationRequest has the same names)."""

    guild_id: int = ONE
    channel_id: int = STUDIO
    member_id: int = ALICE
    role_ids: tuple[int, ...] = ()
    parent_channel_id: int | None = None
    age_restricted: bool = False
    command: str = "imagine"
    prompt: str = "a harbour at dawn"
    params: dict[str, object] = field(default_factory=dict)
    options_text: str | None = None


class Recorder:
    def __init__(self) -> None:
        self.refusals: list[Refusal] = []

    async def on_refusal(self, refusal: Refusal) -> None:
        self.refusals.append(refusal)


def _service(db: Database, operator_terms: tuple[Term, ...] = ()) -> PolicyService:
    return PolicyService(db=db, repo=PolicyRepository(), clock=lambda: NOW, operator_terms=operator_terms)


@pytest.fixture
async def db(db_target: str | Path) -> AsyncIterator[Database]:
    database = await Database.open(db_target)
    yield database
    await database.close()


async def test_a_change_applies_to_the_next_request_and_only_in_its_server(db: Database) -> None:
    policy = _service(db)
    await policy.check(Request(), "flux-2-flash", "image")  # loads (and keeps) server one's policy

    await policy.add_term(ONE, TermList.BLOCK, TermKind.WORD, "harbour", ADMIN)

    with pytest.raises(BlockedTermError):
        await policy.check(Request(), "flux-2-flash", "image")
    assert (await policy.check(Request(guild_id=TWO), "flux-2-flash", "image")).spoiler is False


async def test_the_policy_survives_a_restart(db_target: str | Path) -> None:
    first = await Database.open(db_target)
    policy = _service(first)
    await policy.add_term(ONE, TermList.BLOCK, TermKind.PHRASE, "blood bath", ADMIN)
    await policy.set_channel_mode(ONE, ChannelMode.LISTED)
    await policy.set_channel(ONE, STUDIO, listed=True, by=ADMIN)
    await policy.set_sensitive_mode(ONE, SensitiveMode.SPOILER)
    rule = await policy.add_model_rule(ONE, Effect.DENY, "video", TargetKind.CATEGORY, channel_id=None,
                                       role_id=None, by=ADMIN)
    await policy.block_member(ONE, 101, until=NOW + timedelta(days=1), reason="spam", by=ADMIN)
    await first.close()

    second = await Database.open(db_target)
    try:
        loaded = await _service(second).policy(ONE)
    finally:
        await second.close()

    assert [t.text for t in loaded.block_terms] == ["blood bath"]
    assert (loaded.channel_mode, loaded.channels, loaded.sensitive_mode) == (
        ChannelMode.LISTED, frozenset({STUDIO}), SensitiveMode.SPOILER)
    assert [r.id for r in loaded.model_rules] == [rule.id]
    assert loaded.member_blocks[101].until == NOW + timedelta(days=1)


async def test_refusals_reach_observers_with_the_rule(db: Database) -> None:
    policy = _service(db)
    recorder = Recorder()
    policy.subscribe(recorder)
    await policy.add_term(ONE, TermList.BLOCK, TermKind.WORD, "gore", ADMIN)
    await policy.set_channel_mode(ONE, ChannelMode.LISTED)
    await policy.set_channel(ONE, STUDIO, listed=True, by=ADMIN)

    with pytest.raises(BlockedTermError):
        await policy.check(Request(params={"negative_prompt": "no g.o.r.e"}), "flux-2-flash", "image")
    with pytest.raises(ChannelNotAllowedError):
        await policy.check(Request(channel_id=11), "flux-2-flash", "image")

    assert [r.rule for r in recorder.refusals] == ["BlockedTerm", "ChannelNotAllowed"]
    assert recorder.refusals[0].term == Term(TermKind.WORD, "gore")


async def test_the_operators_terms_apply_everywhere_and_cannot_be_removed(db: Database) -> None:
    policy = _service(db, (Term(TermKind.WORD, "forbidden"),))

    for guild in (ONE, TWO):
        with pytest.raises(BlockedTermError):
            await policy.check(Request(guild_id=guild, prompt="something FORBIDDEN"), "flux-2-flash", "image")
    with pytest.raises(PolicyInputError, match="operator"):
        await policy.remove_term(ONE, TermList.BLOCK, "forbidden")
    with pytest.raises(PolicyNotFoundError):
        await policy.remove_term(ONE, TermList.BLOCK, "never added")


async def test_a_block_ends_by_itself_and_unblock_lifts_it(db: Database) -> None:
    now = [NOW]
    policy = PolicyService(db=db, repo=PolicyRepository(), clock=lambda: now[0])
    await policy.block_member(ONE, ALICE, until=NOW + timedelta(hours=1), reason=None, by=ADMIN)

    with pytest.raises(MemberBlockedError):
        await policy.check(Request(), "flux-2-flash", "image")
    now[0] = NOW + timedelta(hours=1, seconds=1)
    await policy.check(Request(), "flux-2-flash", "image")

    await policy.block_member(ONE, ALICE, until=None, reason=None, by=ADMIN)
    with pytest.raises(MemberBlockedError):
        await policy.check(Request(), "flux-2-flash", "image")
    await policy.unblock_member(ONE, ALICE)
    await policy.check(Request(), "flux-2-flash", "image")


async def test_duplicates_and_limits_are_refused(db: Database) -> None:
    policy = _service(db)
    await policy.add_term(ONE, TermList.SENSITIVE, TermKind.WORD, "spiders", ADMIN)
    with pytest.raises(PolicyInputError, match="already"):
        await policy.add_term(ONE, TermList.SENSITIVE, TermKind.WORD, "spiders", ADMIN)
    await policy.add_model_rule(ONE, Effect.ALLOW, "video", TargetKind.CATEGORY, channel_id=STUDIO, role_id=None,
                                by=ADMIN)
    with pytest.raises(PolicyInputError, match="already"):
        await policy.add_model_rule(ONE, Effect.ALLOW, "video", TargetKind.CATEGORY, channel_id=STUDIO,
                                    role_id=None, by=ADMIN)
    for n in range(20):
        await policy.add_term(ONE, TermList.BLOCK, TermKind.REGEX, f"x{n}y", ADMIN)
    with pytest.raises(PolicyInputError, match="at most 20 regex"):
        await policy.add_term(ONE, TermList.BLOCK, TermKind.REGEX, "x99y", ADMIN)
