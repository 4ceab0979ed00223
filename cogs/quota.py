"""/quota: a server's admins set and read its credits (allowance, cycle, caps, bonus, history, usage).

Only members with Manage Server see the group (``default_permissions``), and every
subcommand checks the permission again, so a call forged or allowed through a
command-permission override is refused with an ephemeral message.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import VivixBot
from bot.confirmations import parse_threshold
from bot.ledger import UNCHANGED, CapValue, CreditLedger, CycleKind, ScopedCaps, Unchanged
from bot.ui.cap_input import cap_suggestions, parse_cap
from bot.ui.charts import ChartSection, bar_chart_png
from bot.ui.errors import send_ephemeral
from bot.ui.guild_quota import caps_saved_message, cycle_description, quota_embed, usage_embed
from bot.ui.history import HistoryPageButton, history_page
from bot.ui.names import member_names
from bot.ui.preferences import defaults_embed, name_choices, saved_message, server_set_choices, value_choices
from bot.ui.quota import when

log = logging.getLogger(__name__)

manage_server = app_commands.checks.has_permissions(manage_guild=True)
CHART_FILE = "usage.png"
TOP_SPENDERS = 10

UserOption = discord.Member | discord.User
SHARE_HELP = "Post it in this channel for everyone here to see (default: only you)"
CAP_HELP = "a number, 'unlimited', or 'inherit' to clear it"


Choices = list[app_commands.Choice[str]]


async def credit_cap_choices(interaction: discord.Interaction, current: str) -> Choices:
    return [app_commands.Choice(name=n, value=v) for n, v in cap_suggestions(current, "credits")]


async def job_cap_choices(interaction: discord.Interaction, current: str) -> Choices:
    return [app_commands.Choice(name=n, value=v) for n, v in cap_suggestions(current, "jobs")]


def _not_a_member(user: discord.abc.User) -> str:
    return f"❌ {user.mention} is not a member of this server. Nothing was changed."


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Quota(commands.GroupCog, group_name="quota", group_description="This server's credits (Manage Server)"):
    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(HistoryPageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(HistoryPageButton)

    @property
    def ledger(self) -> CreditLedger:
        return self.bot.services.ledger

    # -- reading ---------------------------------------------------------------------

    @app_commands.command(name="show", description="The allowance, cycle, balances and every cap")
    @manage_server
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        status = await self.ledger.guild_status(interaction.guild.id)
        await interaction.response.send_message(embed=quota_embed(status, interaction.guild.name),
                                                ephemeral=True)

    @app_commands.command(name="history", description="Recent credit movements, 10 per page, newest first")
    @app_commands.describe(member="Only rows about this member (empty: everyone)", share=SHARE_HELP)
    @manage_server
    async def history(
        self, interaction: discord.Interaction, member: UserOption | None = None, share: bool = False
    ) -> None:
        assert interaction.guild is not None
        embed, view = await history_page(
            self.ledger, interaction.guild.id, interaction.user.id, 0, member.id if member else None
        )
        await interaction.response.send_message(embed=embed, view=view, ephemeral=not share)

    @app_commands.command(name="usage", description="Top spenders and spend per model this cycle, as a chart")
    @app_commands.describe(share=SHARE_HELP)
    @manage_server
    async def usage(self, interaction: discord.Interaction, share: bool = False) -> None:
        guild = interaction.guild
        assert guild is not None
        await interaction.response.defer(ephemeral=not share, thinking=True)
        report = await self.ledger.usage(guild.id, top=TOP_SPENDERS)
        names = await member_names(guild, [row.member_id for row in report.top_members])
        if not report.top_members:
            await interaction.followup.send(embed=usage_embed(report, names, None), ephemeral=not share)
            return
        png = bar_chart_png(f"Credits spent in {guild.name} this cycle", [
            ChartSection("Top spenders", [(names[row.member_id], row.spent) for row in report.top_members]),
            ChartSection("By model", [(row.model or "unknown", row.spent) for row in report.by_model]),
        ])
        await interaction.followup.send(
            embed=usage_embed(report, names, CHART_FILE),
            file=discord.File(io.BytesIO(png), filename=CHART_FILE),
            ephemeral=not share,
        )

    # -- setting -----------------------------------------------------------------------

    @app_commands.command(name="member-cap", description="Credit limits for a member, or the server default")
    @app_commands.describe(
        member="Whose limits (empty: the server default for everyone)",
        per_day=f"Credits per day, UTC: {CAP_HELP}",
        per_cycle=f"Credits per cycle: {CAP_HELP}",
    )
    @app_commands.autocomplete(per_day=credit_cap_choices, per_cycle=credit_cap_choices)
    @manage_server
    async def member_cap(
        self,
        interaction: discord.Interaction,
        member: UserOption | None = None,
        per_day: str | None = None,
        per_cycle: str | None = None,
    ) -> None:
        assert interaction.guild is not None
        if member is not None and not isinstance(member, discord.Member):
            await send_ephemeral(interaction, _not_a_member(member))
            return
        guild_id, target = interaction.guild.id, member.id if member else None
        await self._save_caps(interaction, per_day, per_cycle, lambda day, cycle: self.ledger.set_member_caps(
            guild_id, target, day=day, cycle=cycle, actor=interaction.user.id))

    @app_commands.command(name="role-cap", description="Credit limits for everyone with a role")
    @app_commands.describe(
        role="The role (a member with several gets the most generous limit)",
        per_day=f"Credits per day, UTC: {CAP_HELP}",
        per_cycle=f"Credits per cycle: {CAP_HELP}",
    )
    @app_commands.autocomplete(per_day=credit_cap_choices, per_cycle=credit_cap_choices)
    @manage_server
    async def role_cap(
        self,
        interaction: discord.Interaction,
        role: discord.Role,
        per_day: str | None = None,
        per_cycle: str | None = None,
    ) -> None:
        assert interaction.guild is not None
        guild_id = interaction.guild.id
        await self._save_caps(interaction, per_day, per_cycle, lambda day, cycle: self.ledger.set_role_caps(
            guild_id, role.id, day=day, cycle=cycle, actor=interaction.user.id))

    async def _save_caps(
        self, interaction: discord.Interaction, per_day: str | None, per_cycle: str | None,
        save: Callable[[CapValue | Unchanged, CapValue | Unchanged], Awaitable[ScopedCaps]],
    ) -> None:
        """Parse the two cap options, save them, and answer; every refusal is a private message."""
        day, cycle = parse_cap("per_day", per_day), parse_cap("per_cycle", per_cycle)
        if day is UNCHANGED and cycle is UNCHANGED:
            await send_ephemeral(interaction, f"❌ Give `per_day`, `per_cycle` or both: {CAP_HELP}.")
            return
        caps = await save(day, cycle)
        await send_ephemeral(interaction, caps_saved_message(caps))

    @app_commands.command(name="max-in-flight", description="Jobs a member may have queued or running")
    @app_commands.describe(
        value=f"Jobs at once: {CAP_HELP}",
        member="For this member only",
        role="For everyone with this role",
    )
    @app_commands.autocomplete(value=job_cap_choices)
    @manage_server
    async def max_in_flight(
        self,
        interaction: discord.Interaction,
        value: str,
        member: UserOption | None = None,
        role: discord.Role | None = None,
    ) -> None:
        assert interaction.guild is not None
        if member is not None and role is not None:
            await send_ephemeral(
                interaction, "❌ Give a member or a role, not both (neither: the server default)."
            )
            return
        if member is not None and not isinstance(member, discord.Member):
            await send_ephemeral(interaction, _not_a_member(member))
            return
        parsed = parse_cap("value", value)
        if parsed is UNCHANGED:
            await send_ephemeral(interaction, f"❌ Give `value`: {CAP_HELP}.")
            return
        caps = await self.ledger.set_max_in_flight(
            interaction.guild.id, parsed, actor=interaction.user.id,
            member_id=member.id if member else None, role_id=role.id if role else None,
        )
        await send_ephemeral(interaction, caps_saved_message(caps))

    @app_commands.command(name="cycle", description="How often the allowance renews")
    @app_commands.describe(kind="The new cycle; it applies from now, without renewing anything")
    @app_commands.choices(kind=[
        app_commands.Choice(name="Daily (midnight UTC)", value=CycleKind.DAILY.value),
        app_commands.Choice(name="Weekly (Mondays, midnight UTC)", value=CycleKind.WEEKLY.value),
        app_commands.Choice(name="Monthly (the 1st, midnight UTC)", value=CycleKind.MONTHLY.value),
        app_commands.Choice(name="Every 30 days", value=CycleKind.ROLLING_30D.value),
    ])
    @manage_server
    async def cycle(self, interaction: discord.Interaction, kind: app_commands.Choice[str]) -> None:
        assert interaction.guild is not None
        status = await self.ledger.set_cycle(interaction.guild.id, kind.value, actor=interaction.user.id)
        await send_ephemeral(
            interaction,
            f"✅ The allowance now renews {cycle_description(status.cycle_kind)}. This cycle started "
            f"{discord.utils.format_dt(status.cycle_start, 'f')} and renews {when(status.cycle_end)}. "
            "Balances did not change.",
        )

    @app_commands.command(name="confirm-above", description="Members confirm the exact cost of holds above this")
    @app_commands.describe(amount="Credits: a request holding more asks its member first; 'off' (the default): never")
    @manage_server
    async def confirm_above(self, interaction: discord.Interaction, amount: str) -> None:
        assert interaction.guild is not None
        above = parse_threshold(amount)  # a bad value reaches the one error handler
        await self.bot.services.confirmations.set_threshold(interaction.guild.id, above, by=interaction.user.id)
        await send_ephemeral(interaction, "✅ Members are no longer asked to confirm costs." if above is None else (
            f"✅ A request that would hold more than **{above:,}** credits now shows its member the exact "
            "hold and what they have left, and waits for their Confirm (60 s) before anything is held."))

    @app_commands.command(name="grant", description="Give a member bonus credits (kept across cycles)")
    @app_commands.describe(
        member="Who gets them", amount="How many credits (more than 0)", reason="Why (kept in the history)"
    )
    @manage_server
    async def grant(
        self,
        interaction: discord.Interaction,
        member: UserOption,
        amount: int,
        reason: app_commands.Range[str, 1, 500],
    ) -> None:
        assert interaction.guild is not None
        if not isinstance(member, discord.Member):
            await send_ephemeral(interaction, _not_a_member(member))
            return
        bonus = await self.ledger.grant_bonus(
            interaction.guild.id, member.id, amount, reason, actor=interaction.user.id
        )
        await send_ephemeral(
            interaction,
            f"✅ Gave {member.mention} **{amount:,}** bonus credits. Their bonus is now **{bonus:,}**.",
        )

    # -- defaults for generation options ---------------------------------------------------

    defaults = app_commands.Group(name="defaults", description="Options for everyone who leaves them empty")

    @defaults.command(name="show", description="The server's defaults for generation options")
    @manage_server
    async def defaults_show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        found = await self.bot.services.preferences.of(interaction.guild.id, 0)
        await interaction.response.send_message(embed=defaults_embed(found, interaction.guild.name), ephemeral=True)

    @defaults.command(name="set", description="A default for everyone here (a member's own /prefer wins)")
    @app_commands.describe(name="An option (aspect_ratio, resolution, …) or model:image, model:video, …",
                           value="The value (choices where the option has them)")
    @app_commands.autocomplete(name=name_choices, value=value_choices)
    @manage_server
    async def defaults_set(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100],
                           value: app_commands.Range[str, 1, 1000]) -> None:
        assert interaction.guild is not None
        key, text = await self.bot.services.preferences.set(interaction.guild.id, None, name, value,
                                                            by=interaction.user.id)
        await send_ephemeral(interaction, saved_message(key, text, server=True))

    @defaults.command(name="unset", description="Remove one of the server's defaults")
    @app_commands.autocomplete(name=server_set_choices)
    @manage_server
    async def defaults_unset(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]) -> None:
        assert interaction.guild is not None
        key = await self.bot.services.preferences.unset(interaction.guild.id, None, name)
        await send_ephemeral(interaction, f"✅ Removed the server default `{key}`.")


async def setup(bot: VivixBot) -> None:
    await bot.add_cog(Quota(bot))
