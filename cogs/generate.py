"""/imagine, /video, /audio and /generate: options and autocomplete from the live /models schema."""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import VivixBot
from bot.generation import GenerationRequest, Reference
from bot.ui.confirm import ConfirmButton
from bot.ui.errors import send_ephemeral
from bot.ui.start import answer_and_start
from bot.ui.where import channel_facts, policy_where

log = logging.getLogger(__name__)

REFERENCES = ("reference_1", "reference_2", "reference_3")
ENUM_OPTIONS = ("aspect_ratio", "resolution")
_P = inspect.Parameter.POSITIONAL_OR_KEYWORD


def _option(name: str, annotation: Any, description: str, *, required: bool = False) -> inspect.Parameter:
    return inspect.Parameter(name, _P, annotation=annotation, default=inspect.Parameter.empty if required
                             else None)


OPTIONS: dict[str, tuple[inspect.Parameter, str]] = {
    name: (_option(name, annotation, text, required=name == "prompt"), text)
    for name, annotation, text in (
        ("prompt", app_commands.Range[str, 1, 4000], "What to make"),
        ("model", str | None, "Which model (type to search); empty picks a default"),
        ("negative_prompt", str | None, "What to keep out of the result"),
        ("aspect_ratio", str | None, "Shape of the frame, from the model's choices"),
        ("resolution", str | None, "Resolution, from the model's choices"),
        ("duration", app_commands.Range[int, 1, 600] | None, "Length in seconds"),
        ("audio", bool | None, "Add a synced audio track (video models that offer it)"),
        ("seed", app_commands.Range[int, 0, 2**53] | None, "Same seed + same options = same result"),
        ("number_results", app_commands.Range[int, 1, 10] | None, "How many variations (costs multiply)"),
        ("reference_1", discord.Attachment | None, "A reference image"),
        ("reference_2", discord.Attachment | None, "A second reference image"),
        ("reference_3", discord.Attachment | None, "A third reference image"),
        ("options", str | None, "More model options as name=value pairs, e.g. style=\"oil paint\" steps=30"),
    )
}


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    description: str
    category: str | None
    options: tuple[str, ...]


COMMON = ("prompt", "model")
SPECS = (
    CommandSpec("imagine", "Make an image", "image", (
        *COMMON, "negative_prompt", "aspect_ratio", "resolution", "seed", "number_results", *REFERENCES,
        "options")),
    CommandSpec("video", "Make a short video", "video", (
        *COMMON, "negative_prompt", "aspect_ratio", "resolution", "duration", "audio", "seed", *REFERENCES,
        "options")),
    CommandSpec("audio", "Make sound, speech or music", "audio", (*COMMON, "duration", "seed", "options")),
    CommandSpec("generate", "Run any model the API offers", None, tuple(OPTIONS)),
)


class Generate(commands.Cog):
    def __init__(self, bot: VivixBot) -> None:
        self.bot = bot
        self.commands = [self._build(spec) for spec in SPECS]

    async def cog_load(self) -> None:
        for command in self.commands:
            self.bot.tree.add_command(command)
        self.bot.add_dynamic_items(ConfirmButton)  # "confirm the cost" prompts, also from before a restart

    async def cog_unload(self) -> None:
        for command in self.commands:
            self.bot.tree.remove_command(command.name)
        self.bot.remove_dynamic_items(ConfirmButton)

    # -- building the commands from their specs ---------------------------------

    def _build(self, spec: CommandSpec) -> app_commands.Command[Any, ..., None]:
        async def callback(interaction: discord.Interaction, **values: Any) -> None:
            await self.run(interaction, spec, values)

        # discord.py builds a command's options from its callback's signature and descriptions, read
        # from these two attributes; mypy does not know functions may carry them.
        callback.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter("interaction", _P, annotation=discord.Interaction)]
            + [OPTIONS[name][0] for name in spec.options]
        )
        callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
            name: OPTIONS[name][1] for name in spec.options
        }
        command: app_commands.Command[Any, ..., None] = app_commands.Command(
            name=spec.name, description=spec.description, callback=callback
        )
        command.guild_only = True
        command.autocomplete("model")(self._model_autocomplete(spec.category))
        for name in ENUM_OPTIONS:
            if name in spec.options:
                command.autocomplete(name)(self._enum_autocomplete(spec.category, name))
        return command

    def _model_autocomplete(self, category: str | None) -> Any:
        async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            catalog = self.bot.services.catalog
            catalog.refresh_soon()
            choices = catalog.search(current, category)
            where = policy_where(interaction)
            if where is not None:  # only what the server's policy allows where the member is
                models = [(c.value, model.category if (model := catalog.get(c.value)) else "") for c in choices]
                allowed = await self.bot.services.policy.allowed(where, models)
                choices = [c for c, ok in zip(choices, allowed, strict=True) if ok]
            return [app_commands.Choice(name=c.label, value=c.value) for c in choices]

        return complete

    def _enum_autocomplete(self, category: str | None, param: str) -> Any:
        async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            catalog = self.bot.services.catalog
            slug = getattr(interaction.namespace, "model", None)
            if not slug and category:
                default = catalog.default_model(category)
                slug = default.slug if default else None
            if not slug:
                return []
            return [app_commands.Choice(name=c.label, value=c.value)
                    for c in catalog.enum_choices(slug, param, current)]

        return complete

    # -- running one -----------------------------------------------------------------

    async def run(self, interaction: discord.Interaction, spec: CommandSpec, values: dict[str, Any]) -> None:
        member = interaction.user
        if interaction.guild is None or not isinstance(member, discord.Member):
            await send_ephemeral(interaction, "Generation commands work inside a server.")
            return
        parent_channel_id, age_restricted = channel_facts(interaction)
        references = [
            Reference(name, attachment.url, attachment.filename, attachment.content_type)
            for name in REFERENCES
            if (attachment := values.pop(name, None)) is not None
        ]
        request = GenerationRequest(
            guild_id=interaction.guild.id,
            channel_id=interaction.channel_id or 0,
            member_id=member.id,
            command=spec.name,
            prompt=values.pop("prompt"),
            category=spec.category,
            model=values.pop("model", None),
            options_text=values.pop("options", None),
            params=values,
            references=references,
            role_ids=[role.id for role in member.roles],
            parent_channel_id=parent_channel_id,
            age_restricted=age_restricted,
        )
        services = self.bot.services
        queued = await services.generation.create(request)  # refusals reach the one error handler
        # Above the server's threshold this is a private prompt to confirm the cost (bot/ui/confirm.py).
        await answer_and_start(interaction, services, queued)


async def setup(bot: VivixBot) -> None:
    await bot.add_cog(Generate(bot))
