"""What /policy shows a server's admins: the whole policy on one embed, its term lists, and the
reading of a model rule's target (a model or a whole category)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from ..catalog import Catalog
from ..policy import ChannelMode, Policy, PolicyInputError, SensitiveMode, TargetKind, Term, TermSource
from ..policy.rules import BUILT_IN_SENSITIVE
from ..vivix.models import CATEGORIES
from .embeds import BRAND

FIELD_LIMIT = 1024
MAX_LINES = 15


def _lines(lines: Sequence[str], empty: str) -> str:
    if not lines:
        return empty
    shown = list(lines[:MAX_LINES])
    if len(lines) > MAX_LINES:
        shown.append(f"… and {len(lines) - MAX_LINES} more")
    text = "\n".join(shown)
    return text if len(text) <= FIELD_LIMIT else text[: FIELD_LIMIT - 1] + "…"


def policy_embed(policy: Policy, guild_name: str, now: datetime) -> discord.Embed:
    embed = discord.Embed(title=f"Policy of {guild_name}", colour=BRAND)
    if policy.server_blocked:
        embed.description = "🚫 The bot's operator has stopped the bot in this server."
    if policy.channel_mode is ChannelMode.ANYWHERE:
        channels = "Anywhere the bot can post."
    else:
        listed = " ".join(f"<#{c}>" for c in sorted(policy.channels)) or "no channel yet: nowhere"
        channels = f"Only in: {listed} (and their threads)."
    embed.add_field(name="Channels", value=channels, inline=False)
    embed.add_field(name="Model rules", inline=False, value=_lines(
        [f"`#{rule.id}` {rule.effect.value}: {rule.describe()}" for rule in policy.model_rules],
        "None: every model, everywhere."))
    own = [t for t in policy.block_terms if t.source is TermSource.SERVER]
    operator = len(policy.block_terms) - len(own)
    kinds = ", ".join(f"{sum(t.kind == k for t in own)} {k}" for k in ("word", "phrase", "regex"))
    embed.add_field(name="Blocklist", inline=False, value=(
        f"{len(own)} terms of this server ({kinds}); `/policy blocklist list` shows them."
        + (f"\nPlus {operator} terms of the bot's operator, kept in every server." if operator else "")))
    mode = {SensitiveMode.OFF: "off", SensitiveMode.SPOILER: "results posted as spoilers",
            SensitiveMode.DENY: "refused"}[policy.sensitive_mode]
    embed.add_field(name="Sensitive requests", inline=False, value=(
        f"{mode.capitalize()} outside age-restricted channels · {len(BUILT_IN_SENSITIVE)} built-in terms, "
        f"{len(policy.sensitive_terms)} added here."))
    blocks = [
        f"<@{b.member_id}>" + (f" until <t:{int(b.until.timestamp())}:f>" if b.until else " until unblocked")
        + (f" · {discord.utils.escape_markdown(b.reason)[:80]}" if b.reason else "")
        for b in policy.member_blocks.values() if b.active(now)
    ]
    embed.add_field(name="Blocked members", value=_lines(blocks, "None."), inline=False)
    return embed


def _code(text: str) -> str:
    return text.replace("`", "'")


def terms_text(terms: Sequence[Term], title: str) -> str:
    if not terms:
        return f"{title}: none."
    shown = "\n".join(f"- `{_code(t.text)}` ({t.kind})" for t in terms)
    return f"{title} ({len(terms)}):\n{shown}"


def model_target(catalog: Catalog, text: str) -> tuple[str, TargetKind]:
    """A rule's target as typed: a category name, else a model's slug; unknown is refused."""
    folded = text.strip().casefold()
    if folded in {*CATEGORIES, *catalog.categories()}:
        return folded, TargetKind.CATEGORY
    model = catalog.get(folded)
    if model is not None:
        return model.slug.casefold(), TargetKind.MODEL
    raise PolicyInputError(f"❌ `{discord.utils.escape_markdown(text.strip()[:60])}` is neither a model nor a "
                           "category. Nothing was changed.")
