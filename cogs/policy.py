"""/policy: a server's admins decide what the bot may make here: blocklist, channels, models,
sensitive requests, blocked members.

Only members with Manage Server see the group (``default_permissions``), and every subcommand
checks the permission again. Each change is stored at once and applies to the next request.
"""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import VivixBot
from bot.policy import ChannelMode, Effect, PolicyService, SensitiveMode, TermKind, TermList
from bot.policy.durations import parse_duration
from bot.ui.errors import send_ephemeral
from bot.ui.policy import model_target, policy_embed, terms_text

log = logging.getLogger(__name__)

manage_server = app_commands.checks.has_permissions(manage_guild=True)
Kind = Literal["word", "phrase", "regex"]
Choices = list[app_commands.Choice[str]]
MAX_CHOICES = 25


def _kind(term: str, kind: Kind | None) -> TermKind:
    if kind is not None:
        return TermKind(kind)
    return TermKind.PHRASE if len(term.split()) > 1 else TermKind.WORD


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Policy(commands.GroupCog, group_name="policy", group_description="What the bot may make here (Manage Server)"):
    blocklist = app_commands.Group(name="blocklist", description="Terms a request may not contain")
    channels = app_commands.Group(name="channels", description="Where the bot makes things")
    models = app_commands.Group(name="models", description="Which models, where and for whom")
    sensitive = app_commands.Group(name="sensitive", description="Requests with sensitive terms")

    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot

    @property
    def service(self) -> PolicyService:
        return self.bot.services.policy

    @staticmethod
    def _guild(interaction: discord.Interaction) -> discord.Guild:
        assert interaction.guild is not None  # guild_only
        return interaction.guild

    # -- the whole policy ------------------------------------------------------------------

    @app_commands.command(name="show", description="The whole policy of this server")
    @manage_server
    async def show(self, interaction: discord.Interaction) -> None:
        guild = self._guild(interaction)
        policy = await self.service.policy(guild.id)
        embed = policy_embed(policy, guild.name, self.bot.services.clock())
        await interaction.response.send_message(embed=embed, ephemeral=True)

    # -- blocklist ---------------------------------------------------------------------------

    @blocklist.command(name="add", description="Refuse requests containing a term")
    @app_commands.describe(term="A word, a phrase or a regex", kind="How to match it (default: word, or phrase)")
    @manage_server
    async def blocklist_add(self, interaction: discord.Interaction, term: app_commands.Range[str, 1, 200],
                            kind: Kind | None = None) -> None:
        added = await self.service.add_term(self._guild(interaction).id, TermList.BLOCK, _kind(term, kind), term,
                                            interaction.user.id)
        await send_ephemeral(interaction, f"✅ Blocked ({added.kind}). Requests containing it are refused from now on.")

    @blocklist.command(name="remove", description="Take a term off this server's blocklist")
    @manage_server
    async def blocklist_remove(self, interaction: discord.Interaction, term: str) -> None:
        await self.service.remove_term(self._guild(interaction).id, TermList.BLOCK, term)
        await send_ephemeral(interaction, "✅ Removed from the blocklist.")

    @blocklist.command(name="list", description="This server's blocklist (only you see it)")
    @manage_server
    async def blocklist_list(self, interaction: discord.Interaction) -> None:
        guild = self._guild(interaction)
        terms = await self.service.terms(guild.id, TermList.BLOCK)
        operator = len(self.service.operator_terms)
        note = f"\nPlus {operator} terms of the bot's operator, kept in every server." if operator else ""
        await send_ephemeral(interaction, terms_text(terms, "Blocklist of this server") + note)

    @blocklist_remove.autocomplete("term")
    async def _blocked_terms(self, interaction: discord.Interaction, current: str) -> Choices:
        return await self._term_choices(interaction, current, TermList.BLOCK)

    async def _term_choices(self, interaction: discord.Interaction, current: str, which: TermList) -> Choices:
        if interaction.guild is None or not interaction.permissions.manage_guild:
            return []
        typed = current.casefold()
        terms = await self.service.terms(interaction.guild.id, which)
        return [app_commands.Choice(name=t.text[:100], value=t.text[:100])
                for t in terms if typed in t.text.casefold()][:MAX_CHOICES]

    # -- channels ----------------------------------------------------------------------------

    @channels.command(name="mode", description="Anywhere, or only in listed channels (and their threads)")
    @manage_server
    async def channels_mode(self, interaction: discord.Interaction, mode: Literal["anywhere", "listed"]) -> None:
        guild = self._guild(interaction)
        await self.service.set_channel_mode(guild.id, ChannelMode(mode))
        policy = await self.service.policy(guild.id)
        if mode == "anywhere":
            text = "✅ The bot makes things in any channel where it can post."
        else:
            listed = " ".join(f"<#{c}>" for c in sorted(policy.channels))
            text = (f"✅ The bot makes things only in: {listed}." if listed else
                    "✅ Listed channels only; none is listed yet, so nowhere: add one with `/policy channels add`.")
        await send_ephemeral(interaction, text)

    @channels.command(name="add", description="Allow generation in a channel (listed mode)")
    @manage_server
    async def channels_add(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        await self._list_channel(interaction, channel, listed=True)

    @channels.command(name="remove", description="Stop listing a channel")
    @manage_server
    async def channels_remove(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        await self._list_channel(interaction, channel, listed=False)

    async def _list_channel(self, interaction: discord.Interaction, channel: discord.TextChannel, *,
                            listed: bool) -> None:
        guild = self._guild(interaction)
        changed = await self.service.set_channel(guild.id, channel.id, listed=listed, by=interaction.user.id)
        policy = await self.service.policy(guild.id)
        mode = "" if policy.channel_mode is ChannelMode.LISTED else (
            "\n-# The mode is `anywhere`: the list applies once `/policy channels mode listed` is set.")
        if listed:
            text = f"✅ {channel.mention} is listed." if changed else f"{channel.mention} was already listed."
        else:
            text = f"✅ {channel.mention} is no longer listed." if changed else f"{channel.mention} was not listed."
        await send_ephemeral(interaction, text + mode)

    # -- models ------------------------------------------------------------------------------

    @models.command(name="allow", description="Allow a model or category only in a channel and/or for a role")
    @app_commands.describe(target="A model or a category (image, video, audio...)", channel="Only in this channel",
                           role="Only for members with this role")
    @manage_server
    async def models_allow(self, interaction: discord.Interaction, target: str,
                           channel: discord.TextChannel | None = None, role: discord.Role | None = None) -> None:
        await self._add_rule(interaction, Effect.ALLOW, target, channel, role)

    @models.command(name="deny", description="Deny a model or category (in a channel, for a role, or everywhere)")
    @app_commands.describe(target="A model or a category (image, video, audio...)", channel="Only in this channel",
                           role="Only for members with this role")
    @manage_server
    async def models_deny(self, interaction: discord.Interaction, target: str,
                          channel: discord.TextChannel | None = None, role: discord.Role | None = None) -> None:
        await self._add_rule(interaction, Effect.DENY, target, channel, role)

    async def _add_rule(self, interaction: discord.Interaction, effect: Effect, target: str,
                        channel: discord.TextChannel | None, role: discord.Role | None) -> None:
        name, kind = model_target(self.bot.services.catalog, target)
        rule = await self.service.add_model_rule(
            self._guild(interaction).id, effect, name, kind, channel_id=channel.id if channel else None,
            role_id=role.id if role else None, by=interaction.user.id)
        await send_ephemeral(interaction, f"✅ Rule `#{rule.id}`: {rule.describe()}.",
                             allowed_mentions=discord.AllowedMentions.none())

    @models.command(name="remove", description="Remove a model rule")
    @app_commands.describe(rule="The rule's number (type to pick one)")
    @manage_server
    async def models_remove(self, interaction: discord.Interaction, rule: int) -> None:
        await self.service.remove_model_rule(self._guild(interaction).id, rule)
        await send_ephemeral(interaction, f"✅ Rule `#{rule}` removed.")

    @models_allow.autocomplete("target")
    @models_deny.autocomplete("target")
    async def _targets(self, interaction: discord.Interaction, current: str) -> Choices:
        catalog = self.bot.services.catalog
        typed = current.strip().casefold()
        categories = [app_commands.Choice(name=f"{c} (every {c} model)", value=c)
                      for c in catalog.categories() if c.startswith(typed)]
        models = [app_commands.Choice(name=c.label, value=c.value) for c in catalog.search(current)]
        return (categories + models)[:MAX_CHOICES]

    @models_remove.autocomplete("rule")
    async def _rules(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        if interaction.guild is None or not interaction.permissions.manage_guild:
            return []
        policy = await self.service.policy(interaction.guild.id)
        return [app_commands.Choice(name=f"#{r.id} {r.effect.value}: {r.describe()}"[:100], value=r.id)
                for r in policy.model_rules if current.strip().lstrip("#") in str(r.id)][:MAX_CHOICES]

    # -- sensitive ---------------------------------------------------------------------------

    @sensitive.command(name="mode", description="Outside age-restricted channels: off, post as spoiler, or refuse")
    @manage_server
    async def sensitive_mode(self, interaction: discord.Interaction,
                             mode: Literal["off", "spoiler", "deny"]) -> None:
        await self.service.set_sensitive_mode(self._guild(interaction).id, SensitiveMode(mode))
        words = {"off": "are treated like any other",
                 "spoiler": "get their results posted as spoilers outside age-restricted channels",
                 "deny": "are refused outside age-restricted channels"}[mode]
        await send_ephemeral(interaction, f"✅ Sensitive requests {words}.")

    @sensitive.command(name="add", description="Add a term to the built-in sensitive list")
    @app_commands.describe(term="A word, a phrase or a regex", kind="How to match it (default: word, or phrase)")
    @manage_server
    async def sensitive_add(self, interaction: discord.Interaction, term: app_commands.Range[str, 1, 200],
                            kind: Kind | None = None) -> None:
        added = await self.service.add_term(self._guild(interaction).id, TermList.SENSITIVE, _kind(term, kind),
                                            term, interaction.user.id)
        await send_ephemeral(interaction, f"✅ Added to the sensitive terms ({added.kind}).")

    @sensitive.command(name="remove", description="Remove a term this server added to the sensitive list")
    @manage_server
    async def sensitive_remove(self, interaction: discord.Interaction, term: str) -> None:
        await self.service.remove_term(self._guild(interaction).id, TermList.SENSITIVE, term)
        await send_ephemeral(interaction, "✅ Removed from the sensitive terms.")

    @sensitive_remove.autocomplete("term")
    async def _sensitive_terms(self, interaction: discord.Interaction, current: str) -> Choices:
        return await self._term_choices(interaction, current, TermList.SENSITIVE)

    # -- members -----------------------------------------------------------------------------

    @app_commands.command(name="block", description="Stop a member using the bot here; their waiting jobs are refunded")
    @app_commands.describe(member="Who", duration="How long, e.g. 30m, 12h, 7d (empty: until unblocked)",
                           reason="Why (shown to admins in /policy show)")
    @manage_server
    async def block(self, interaction: discord.Interaction, member: discord.Member,
                    duration: app_commands.Range[str, 1, 20] | None = None,
                    reason: app_commands.Range[str, 1, 300] | None = None) -> None:
        guild = self._guild(interaction)
        until = self.bot.services.clock() + parse_duration(duration) if duration else None
        block, cancelled = await self.service.block_member(guild.id, member.id, until=until, reason=reason,
                                                           by=interaction.user.id)
        when = f" until {discord.utils.format_dt(block.until, 'f')}" if block.until else " until unblocked"
        jobs = f" {cancelled} waiting job(s) cancelled and refunded." if cancelled else ""
        await send_ephemeral(interaction, f"✅ {member.mention} cannot use the bot here{when}.{jobs}",
                             allowed_mentions=discord.AllowedMentions.none())

    @app_commands.command(name="unblock", description="Let a blocked member use the bot again")
    @manage_server
    async def unblock(self, interaction: discord.Interaction, member: discord.Member) -> None:
        await self.service.unblock_member(self._guild(interaction).id, member.id)
        await send_ephemeral(interaction, f"✅ {member.mention} can use the bot again.",
                             allowed_mentions=discord.AllowedMentions.none())


async def setup(bot: VivixBot) -> None:
    await bot.add_cog(Policy(bot))
