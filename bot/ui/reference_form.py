"""The message commands "Use as reference" and "Animate": any message with an image (posted by the
bot or a member) becomes the reference of a new job. Autocomplete is not available in forms, so
the form offers a select of the models that fit, with what each holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from ..actions.errors import NoSuchActionError, OutsideServerError
from ..actions.requests import Action, Actor
from ..vivix.models import ModelInfo
from .errors import reply_error
from .start import answer_and_start
from .where import channel_facts

if TYPE_CHECKING:
    from ..client import VivixBot

PROMPT_MAX = 2000


def message_images(message: discord.Message) -> list[str]:
    """The image URLs of a message: its image attachments, then its embeds' images."""
    urls = [a.url for a in message.attachments if (a.content_type or "").startswith("image/")]
    for embed in message.embeds:
        for url in (embed.image.url if embed.image else None, embed.thumbnail.url if embed.thumbnail else None):
            if url and url.startswith(("https://", "http://")) and url not in urls:
                urls.append(url)
    return urls


def first_image(message: discord.Message) -> str:
    images = message_images(message)
    if not images:
        raise NoSuchActionError("That message has no image to use (an image attachment or an embedded image).")
    return images[0]


def actor_of(interaction: discord.Interaction) -> Actor:
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        raise OutsideServerError()
    return Actor(member.id, interaction.guild.id, interaction.channel_id or 0, tuple(r.id for r in member.roles),
                 *channel_facts(interaction))


class ReferenceForm(discord.ui.Modal):
    def __init__(
        self, action: Action, image_url: str, choices: list[tuple[ModelInfo, int]], reference_source: str
    ) -> None:
        title = "Animate this image" if action is Action.ANIMATE else "Use this image as a reference"
        super().__init__(title=title, timeout=600)
        self.action = action
        self.image_url = image_url
        self.reference_source = reference_source
        self.model: discord.ui.Select[ReferenceForm] = discord.ui.Select(
            custom_id="model",
            options=[discord.SelectOption(label=model.display_name[:100], value=model.slug,
                                          description=f"{model.slug} · up to {cost:,} credits"[:100],
                                          default=index == 0)
                     for index, (model, cost) in enumerate(choices)],
        )
        self.prompt: discord.ui.TextInput[ReferenceForm] = discord.ui.TextInput(
            custom_id="prompt", style=discord.TextStyle.paragraph, max_length=PROMPT_MAX,
            placeholder="how it should move" if action is Action.ANIMATE else "what to make from it",
        )
        self.add_item(discord.ui.Label(text="Model", component=self.model))
        self.add_item(discord.ui.Label(text="Prompt", component=self.prompt))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        try:
            bot: VivixBot = interaction.client  # type: ignore[assignment]  # the only client this runs in
            slug = self.model.values[0] if self.model.values else self.model.options[0].value
            queued = await bot.services.actions.start_with_reference(
                self.action, actor_of(interaction), slug, self.image_url, self.prompt.value, self.reference_source
            )
            await answer_and_start(interaction, bot.services, queued)
        except Exception as err:  # the one error handler answers it, privately
            await reply_error(interaction, err)
