"""The forms a result action opens: Remix (the prompt and options, prefilled, to edit) and Animate
(the motion prompt and the duration). Submitting one starts the job like a command."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from ..actions.requests import Action, Actor
from ..catalog.schema import find_param
from ..vivix.models import ModelInfo
from .errors import reply_error
from .start import answer_and_start
from .where import channel_facts

if TYPE_CHECKING:
    from ..client import VivixBot

PROMPT_MAX = 2000  # the API's prompt limit; a model may take less (checked on submit)
OPTIONS_MAX = 1000


def _actor(interaction: discord.Interaction) -> Actor:
    from ..actions.errors import OutsideServerError

    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        raise OutsideServerError()
    return Actor(member.id, interaction.guild.id, interaction.channel_id or 0, tuple(r.id for r in member.roles),
                 *channel_facts(interaction))


class _ActionForm(discord.ui.Modal):
    action: Action

    def __init__(self, *, title: str, job_id: str) -> None:
        super().__init__(title=title, timeout=600)
        self.job_id = job_id

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    async def on_submit(self, interaction: discord.Interaction) -> None:
        try:
            bot: VivixBot = interaction.client  # type: ignore[assignment]  # the only client this runs in
            queued = await bot.services.actions.start(self.action, self.job_id, _actor(interaction),
                                                          **self.values())
            await answer_and_start(interaction, bot.services, queued)
        except Exception as err:  # the one error handler answers it, privately
            await reply_error(interaction, err)


class RemixForm(_ActionForm):
    action = Action.REMIX

    def __init__(self, job_id: str, prompt: str, options: str) -> None:
        super().__init__(title="Remix", job_id=job_id)
        self.prompt: discord.ui.TextInput[RemixForm] = discord.ui.TextInput(
            label="Prompt", custom_id="prompt", style=discord.TextStyle.paragraph, default=prompt[:PROMPT_MAX],
            max_length=PROMPT_MAX,
        )
        self.options: discord.ui.TextInput[RemixForm] = discord.ui.TextInput(
            label="Options (name=value pairs)", custom_id="options", style=discord.TextStyle.paragraph,
            default=options[:OPTIONS_MAX], required=False, max_length=OPTIONS_MAX,
        )
        self.add_item(self.prompt)
        self.add_item(self.options)

    def values(self) -> dict[str, Any]:
        return {"prompt": self.prompt.value, "options_text": self.options.value}


class AnimateForm(_ActionForm):
    action = Action.ANIMATE

    def __init__(
        self, job_id: str, index: int, model: ModelInfo, image_url: str | None, reference_source: str | None
    ) -> None:
        super().__init__(title=f"Animate with {model.display_name}"[:45], job_id=job_id)
        self.index = index
        self.image_url = image_url
        self.reference_source = reference_source
        self.prompt: discord.ui.TextInput[AnimateForm] = discord.ui.TextInput(
            label="How should it move?", custom_id="prompt", style=discord.TextStyle.paragraph,
            placeholder="the camera slowly pushes in; leaves drift in the wind", max_length=PROMPT_MAX,
        )
        self.add_item(self.prompt)
        self.duration: discord.ui.TextInput[AnimateForm] | None = None
        found = find_param(model, "duration")
        if found is not None:
            spec = found[1]
            bounds = f" ({spec.min:g} to {spec.max:g})" if spec.min is not None and spec.max is not None else ""
            self.duration = discord.ui.TextInput(
                label=f"Seconds{bounds}"[:45], custom_id="duration", required=False, max_length=4,
                default=str(spec.default) if spec.default is not None else None,
            )
            self.add_item(self.duration)

    def values(self) -> dict[str, Any]:
        text = (self.duration.value.strip() if self.duration is not None else "") or None
        duration: int | None = None
        if text is not None:
            from ..catalog.errors import ParamValidationError

            if not text.isdigit():
                raise ParamValidationError("duration", f"`duration` must be a whole number of seconds (got `{text}`)")
            duration = int(text)
        return {"index": self.index, "prompt": self.prompt.value, "duration": duration, "image_url": self.image_url,
                "reference_source": self.reference_source}
