"""Twenty jobs from three servers through a key that runs five at once: all delivered, none lost."""

from __future__ import annotations

import simcord

from bot.sandbox.server import SandboxServer

from .helpers import bot_of, run_for

PLAN = {"Alpha": 9, "Beta": 7, "Gamma": 4}  # 20 jobs


async def test_twenty_jobs_from_three_servers_all_arrive(env: simcord.Env, sandbox: SandboxServer) -> None:
    channels = {}
    for name, count in PLAN.items():
        guild = env.create_guild(name)
        channel = guild.create_text_channel("art")
        members = [guild.add_member(env.create_user(f"{name}-{i}")) for i in range((count + 2) // 3)]
        channels[name] = (guild, channel)
        for n in range(count):
            member = members[n % len(members)]
            result = await member.slash(
                channel, "imagine", prompt=f"{name} picture {n}", model="flux-2-flash"
            )
            assert not result.ephemeral
    assert bot_of(env).services.dispatcher.in_flight == 5

    await run_for(env, 400)

    services = bot_of(env).services
    async with services.db.read() as conn:
        rows = await conn.fetch_all("SELECT guild_id, status, credits_used, result_message_id FROM jobs")
    assert len(rows) == 20
    assert {row[1] for row in rows} == {"delivered"}
    stats = sandbox.state.stats()
    assert stats.generations_created == 20
    assert stats.throttled_by_code["CONCURRENCY_LIMIT"] == 0
    assert stats.throttled_by_code["RATE_LIMIT"] == 0
    for name, (guild, channel) in channels.items():
        posted = [m for m in channel.history() if m.interaction_metadata is None]
        assert len(posted) == PLAN[name]
        used = sum(row[2] for row in rows if row[0] == guild.id)
        status = await services.ledger.guild_status(guild.id)
        assert status.spent_total == used
        assert status.held == 0
        assert (await services.ledger.audit(guild.id)).ok
