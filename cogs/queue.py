"""/queue: see the server's waiting and rendering jobs; cancel one for a full refund."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import VivixBot
from bot.jobs import JobStatus
from bot.ui.errors import send_ephemeral
from bot.ui.queue import queue_embed


def _is_admin(interaction: discord.Interaction) -> bool:
    member = interaction.user
    return isinstance(member, discord.Member) and member.guild_permissions.manage_guild


class Queue(commands.GroupCog, group_name="queue", description="The generation queue of this server"):
    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="show", description="Jobs waiting and rendering in this server")
    @app_commands.describe(page="Which page of the waiting jobs (15 a page)")
    @app_commands.guild_only()
    async def show(self, interaction: discord.Interaction, page: app_commands.Range[int, 1, 10_000] = 1) -> None:
        assert interaction.guild is not None
        active = await self.bot.services.generation.active(interaction.guild.id, page=page - 1)
        await interaction.response.send_message(
            embed=queue_embed(active, self.bot.clock()), ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command(name="cancel", description="Cancel a waiting job (admins: any job); its credits come back")
    @app_commands.describe(job="The job to cancel (type to pick from the list)")
    @app_commands.guild_only()
    async def cancel(self, interaction: discord.Interaction, job: str) -> None:
        assert interaction.guild is not None
        cancelled = await self.bot.services.generation.cancel(
            interaction.guild.id, job, interaction.user.id, is_admin=_is_admin(interaction)
        )
        whose = "your" if cancelled.member_id == interaction.user.id else f"<@{cancelled.member_id}>'s"
        if cancelled.status is JobStatus.RUNNING:
            text = (f"🚫 Cancelled {whose} job `{cancelled.short_id}`. The service cannot stop a render under "
                    f"way: it runs out, its result is not posted, and its {cancelled.held} credits come back "
                    "when it ends.")
        else:
            text = f"🚫 Cancelled {whose} job `{cancelled.short_id}`; {cancelled.held} credits were returned."
        await send_ephemeral(interaction, text, allowed_mentions=discord.AllowedMentions.none())

    @cancel.autocomplete("job")
    async def _cancellable(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild is None:
            return []
        active = await self.bot.services.generation.active(interaction.guild.id, per_page=25)
        admin = _is_admin(interaction)
        listed = [(f"#{position}", job) for position, job in active.waiting]
        if admin:  # only admins may cancel a job the service is already rendering
            listed += [("rendering", job) for job in active.running if job.cancelled_by is None]
        choices = []
        for where, job in listed:
            if not admin and job.member_id != interaction.user.id:
                continue
            label = f"{where} · {job.model} · {job.prompt}"
            if current.lower() in label.lower() or job.id.startswith(current.lower()):
                choices.append(app_commands.Choice(name=label[:100], value=job.id))
        return choices[:25]


async def setup(bot: VivixBot) -> None:
    await bot.add_cog(Queue(bot))
