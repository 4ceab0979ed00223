"""What a member sees while typing a generate command: choices, and refusals that cost nothing."""

from __future__ import annotations

import pytest
import simcord

from bot.catalog import ParamValidationError
from bot.sandbox.server import SandboxServer
from bot.store.errors import StoreError

from .conftest import World
from .helpers import assert_nothing_spent, assert_refused, bot_of, png_bytes


async def test_model_autocomplete_is_filtered_to_the_command_category(world: World) -> None:
    choices = await world.alice.autocomplete(world.channel, "imagine", "model", "")

    assert 0 < len(choices) <= 25
    labels = [choice["name"] for choice in choices]
    assert "Grok Imagine Image Quality · image · 80\u2013211 cr" in labels
    assert all(" · image · " in label for label in labels)


async def test_model_autocomplete_searches_names_and_creators(world: World) -> None:
    by_prefix = await world.alice.autocomplete(world.channel, "video", "model", "wan")
    by_creator = await world.alice.autocomplete(world.channel, "generate", "model", "alibaba")

    assert by_prefix[0]["value"] == "wan-2.7-text-to-video"
    assert "wan-2.7-text-to-video" in [c["value"] for c in by_creator]


async def test_generate_offers_every_category_including_unknown_ones(world: World) -> None:
    choices = await world.alice.autocomplete(world.channel, "generate", "model", "")

    categories = {choice["name"].split(" · ")[1] for choice in choices}
    assert {"image", "video", "audio", "utility"} <= categories
    assert "3d" in categories  # a category the bot has never heard of


async def test_enum_options_come_from_the_model_already_chosen(world: World) -> None:
    video = await world.alice.autocomplete(
        world.channel, "video", "resolution", "", model="wan-2.7-text-to-video"
    )
    image = await world.alice.autocomplete(
        world.channel, "imagine", "resolution", "", model="grok-imagine-image-quality"
    )

    assert [c["value"] for c in video] == ["720p", "1080p"]
    assert [c["value"] for c in image] == ["1K", "2K", "4K"]


REFUSALS = [
    ("video", {"model": "wan-2.7-text-to-video", "duration": 99}, "duration", "2"),
    ("video", {"model": "wan-2.7-text-to-video", "resolution": "8K"}, "resolution", "1080p"),
    ("imagine", {"model": "grok-imagine-image-quality", "prompt": "x" * 2001}, "prompt", "2000"),
    ("imagine", {"model": "grok-imagine-image-quality", "options": "sharpness=9"}, "sharpness",
     "aspect_ratio"),
    ("imagine", {"model": "grok-imagine-image-quality", "options": "broken=\"unclosed"}, "options", ""),
    ("imagine", {"model": "no-such-model"}, "no-such-model", ""),
    ("imagine", {"model": "wan-2.7-text-to-video"}, "video model", "image"),
    ("imagine", {"model": "flux-2-flash", "number_results": 9}, "number_results", "4"),
    ("audio", {"model": "stable-audio-2.5", "duration": 300}, "duration", "120"),
]


@pytest.mark.parametrize(("command", "options", "names", "allowed"), REFUSALS)
async def test_bad_input_is_refused_ephemerally_and_costs_nothing(
    world: World, sandbox: SandboxServer, command: str, options: dict[str, object], names: str, allowed: str
) -> None:
    options = {"prompt": "a quiet harbour", **options}

    result = await world.alice.slash(world.channel, command, **options)

    assert result.ephemeral
    simcord.assert_error(world.env, ParamValidationError)
    text = result.response.content
    assert names in text
    assert allowed in text
    assert "Nothing was charged" in text
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())


async def test_a_reference_that_is_not_an_image_is_refused(world: World, sandbox: SandboxServer) -> None:
    result = await world.alice.slash(world.channel, "imagine", prompt="in this style",
                                     reference_1=("notes.txt", b"not an image"))

    assert result.ephemeral
    simcord.assert_error(world.env, ParamValidationError, contains="reference_1")
    assert "`reference_1` must be an image" in result.response.content
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())


async def test_a_prompt_of_invisible_characters_is_empty(world: World, sandbox: SandboxServer) -> None:
    invisible = "\u200b\u200c\u200d\u2060\ufeff \u3164\u2800"

    result = await world.alice.slash(world.channel, "imagine", prompt=invisible, model="flux-2-flash")

    assert result.ephemeral
    assert_refused(world.env, ParamValidationError)
    assert "`prompt` is required" in result.response.content
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())


async def test_a_huge_model_name_is_refused_within_discords_limits(world: World, sandbox: SandboxServer) -> None:
    slug = "x" * 3000

    result = await world.alice.slash(world.channel, "imagine", prompt="a harbour", model=slug)

    assert result.ephemeral
    assert_refused(world.env, ParamValidationError)
    text = result.response.content
    assert "unknown model" in text and "Nothing was charged" in text
    assert len(text) < 300
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())


async def test_an_unknown_option_name_is_not_echoed_in_full(world: World, sandbox: SandboxServer) -> None:
    result = await world.alice.slash(world.channel, "imagine", prompt="a harbour", model="flux-2-flash",
                                     options="y" * 1900 + "=1")

    assert_refused(world.env, ParamValidationError)
    assert "unknown option" in result.response.content
    assert len(result.response.content) < 2000
    await assert_nothing_spent(world.env, world.guild.id, sandbox.state.stats())


async def test_a_storage_failure_has_its_own_sentence(world: World, sandbox: SandboxServer) -> None:
    await bot_of(world.env).services.db.close()  # as if the disk went away

    result = await world.alice.slash(world.channel, "imagine", prompt="a harbour", model="flux-2-flash")

    assert result.ephemeral
    assert_refused(world.env, StoreError)
    assert "storage is unavailable right now; nothing was charged" in result.response.content
    assert sandbox.state.stats().requests_by_route["generate"] == 0


async def test_reference_images_are_sent_to_the_api(world: World, sandbox: SandboxServer) -> None:
    result = await world.alice.slash(world.channel, "generate", prompt="sharper, please",
                                     model="topaz-upscale",
                                     reference_1=("style.png", png_bytes()),
                                     reference_2=("pose.png", png_bytes()))

    assert not result.ephemeral
    jobs = [job for job in sandbox.state._jobs.values()]
    assert len(jobs) == 1
    assert len(jobs[0].params["reference_images"]) == 2
