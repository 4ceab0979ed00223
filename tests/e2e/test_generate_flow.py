"""A member asks for an image; it is held, queued, rendered, posted and settled exactly once."""

from __future__ import annotations

import httpx

from .conftest import World
from .helpers import bot_of, only_job_id, results_for, run_for


async def test_imagine_posts_the_image_and_settles_what_it_cost(world: World) -> None:
    env = world.env
    result = await world.alice.slash(world.channel, "imagine", prompt="a misty forest at dawn",
                                     model="grok-imagine-image-quality", resolution="1K")

    assert not result.ephemeral
    status = result.response.embeds[0]
    assert status.title == "🎨 Rendering"  # submitted at once: a slot was free
    assert {f.name: f.value for f in status.fields}["Credits"] == "211 held"
    job_id = await only_job_id(env)

    await run_for(env, 30)

    posted = results_for(world.channel, job_id)
    assert len(posted) == 1
    message = posted[0]
    assert f"<@{world.alice.id}>" in message.content
    job = await bot_of(env).services.generation.get(job_id)
    assert job is not None and job.credits_used is not None
    # The image is posted as a file (it outlives the API's link) and the embed shows that copy.
    assert [a.content_type for a in message.attachments] == ["image/png"]
    assert message.embeds[0].image.url == f"attachment://{message.attachments[0].filename}"
    async with httpx.AsyncClient() as http:
        assert await message.attachments[0].read() == (await http.get(job.output_urls[0])).content
    assert f"{job.credits_used} credits" in message.embeds[0].fields[0].value
    ledger = bot_of(env).services.ledger
    status_after = await ledger.guild_status(world.guild.id)
    assert status_after.spent_this_cycle == job.credits_used
    assert status_after.held == 0
