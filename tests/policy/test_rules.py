"""Each rule on its own: who, where, which model, which words; pure functions, no storage."""

# ruff: noqa: RUF001  # evasion attempts are written with the look-alike letters themselves

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.policy import (
    BlockedTermError,
    ChannelMode,
    ChannelNotAllowedError,
    Effect,
    MemberBlockedError,
    ModelNotAllowedError,
    Policy,
    SensitiveMode,
    ServerBlockedError,
    TargetKind,
    Term,
    TermKind,
    TermSource,
    Where,
)
from bot.policy.errors import SensitiveDeniedError
from bot.policy.rules import MemberBlock, ModelRule, TextRefused, decide, model_allowed

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GUILD, STUDIO, LAB, THREAD, ALICE, PATRON = 1, 10, 11, 12, 100, 500
HERE = Where(GUILD, STUDIO, ALICE)


def run(policy: Policy, where: Where = HERE, slug: str = "flux-2-flash", category: str = "image",
        texts: tuple[str, ...] = ("a harbour",)) -> bool:
    """The verdict's spoiler flag; raises the refusal (a text refusal unwrapped)."""
    try:
        return decide(policy, where, slug, category, texts, NOW).verdict.spoiler
    except TextRefused as refused:
        raise refused.error from None


def test_an_empty_policy_allows_everything() -> None:
    assert run(Policy(GUILD), texts=("anything at all",)) is False


def test_a_blocked_server_is_refused_first() -> None:
    with pytest.raises(ServerBlockedError):
        run(Policy(GUILD, server_blocked=True))


def test_a_blocked_member_is_refused_until_the_block_ends() -> None:
    block = MemberBlock(ALICE, NOW + timedelta(hours=1), "spam", 9, NOW)
    policy = Policy(GUILD, member_blocks={ALICE: block})

    with pytest.raises(MemberBlockedError) as raised:
        run(policy)
    assert "<t:" in raised.value.message
    assert run(Policy(GUILD, member_blocks={ALICE: MemberBlock(ALICE, NOW, None, 9, NOW)})) is False  # ended
    assert run(policy, Where(GUILD, STUDIO, 101)) is False  # someone else


def test_listed_channels_and_their_threads() -> None:
    policy = Policy(GUILD, ChannelMode.LISTED, frozenset({LAB}))

    with pytest.raises(ChannelNotAllowedError) as raised:
        run(policy)
    assert f"<#{LAB}>" in raised.value.message
    assert run(policy, Where(GUILD, LAB, ALICE)) is False
    assert run(policy, Where(GUILD, THREAD, ALICE, parent_channel_id=LAB)) is False  # a thread follows its parent


def test_a_category_allowed_only_in_one_channel() -> None:
    rule = ModelRule(1, Effect.ALLOW, "video", TargetKind.CATEGORY, channel_id=LAB)
    policy = Policy(GUILD, model_rules=(rule,))

    with pytest.raises(ModelNotAllowedError) as raised:
        run(policy, slug="kling-3-video", category="video")
    assert raised.value.rule == f"Video models allowed only in <#{LAB}>"  # the refusal names the rule
    assert run(policy, Where(GUILD, LAB, ALICE), slug="kling-3-video", category="video") is False
    assert run(policy) is False  # images are not concerned


def test_a_model_allowed_only_for_a_role() -> None:
    rule = ModelRule(2, Effect.ALLOW, "kling-3-video", TargetKind.MODEL, role_id=PATRON)
    policy = Policy(GUILD, model_rules=(rule,))

    with pytest.raises(ModelNotAllowedError, match=f"<@&{PATRON}>"):
        run(policy, slug="Kling-3-Video", category="video")
    patron = Where(GUILD, STUDIO, ALICE, role_ids=(PATRON,))
    assert run(policy, patron, slug="kling-3-video", category="video") is False


def test_a_deny_rule_wins_where_it_applies() -> None:
    policy = Policy(GUILD, model_rules=(
        ModelRule(1, Effect.DENY, "video", TargetKind.CATEGORY, channel_id=STUDIO),
    ))

    with pytest.raises(ModelNotAllowedError, match="not allowed"):
        run(policy, slug="kling-3-video", category="video")
    assert run(policy, Where(GUILD, LAB, ALICE), slug="kling-3-video", category="video") is False


def test_autocomplete_offers_only_what_is_allowed_here() -> None:
    policy = Policy(GUILD, model_rules=(ModelRule(1, Effect.ALLOW, "video", TargetKind.CATEGORY, channel_id=LAB),))

    assert not model_allowed(policy, HERE, "kling-3-video", "video", NOW)
    assert model_allowed(policy, Where(GUILD, LAB, ALICE), "kling-3-video", "video", NOW)
    assert model_allowed(policy, HERE, "flux-2-flash", "image", NOW)
    assert not model_allowed(Policy(GUILD, server_blocked=True), HERE, "flux-2-flash", "image", NOW)


@pytest.mark.parametrize("prompt", ["a n.s.f.w cat", "ＮＳＦＷ cat", "n\u200dsfw cat", "NsFw cat", "n\u0455fw cat"])
def test_the_blocklist_refuses_evasions_without_naming_the_term(prompt: str) -> None:
    policy = Policy(GUILD, block_terms=(Term(TermKind.WORD, "nsfw"),))

    with pytest.raises(BlockedTermError) as raised:
        run(policy, texts=(prompt,))
    assert "nsfw" not in raised.value.message.casefold()


def test_the_operator_list_applies_like_the_servers_own() -> None:
    policy = Policy(GUILD, block_terms=(Term(TermKind.PHRASE, "blood bath", TermSource.OPERATOR),))

    with pytest.raises(BlockedTermError):
        run(policy, texts=("a cat", "a BLOOD-bath"))


def test_sensitive_terms_make_a_spoiler_or_a_refusal_outside_age_restricted_channels() -> None:
    texts = ("a nude statue",)
    assert run(Policy(GUILD), texts=texts) is False  # mode off
    assert run(Policy(GUILD, sensitive_mode=SensitiveMode.SPOILER), texts=texts) is True
    with pytest.raises(SensitiveDeniedError):
        run(Policy(GUILD, sensitive_mode=SensitiveMode.DENY), texts=texts)
    nsfw_channel = Where(GUILD, STUDIO, ALICE, age_restricted=True)
    assert run(Policy(GUILD, sensitive_mode=SensitiveMode.DENY), nsfw_channel, texts=texts) is False


def test_admins_extend_the_sensitive_list() -> None:
    policy = Policy(GUILD, sensitive_mode=SensitiveMode.SPOILER, sensitive_terms=(Term(TermKind.WORD, "spiders"),))

    assert run(policy, texts=("a room full of S.P.I.D.E.R.S",)) is True
    assert run(policy, texts=("a room full of cats",)) is False
