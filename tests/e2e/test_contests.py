"""A whole contest through Discord: created by an admin in its own thread, entered with
``/contest enter`` and with the Submit button, voted on anonymously, closed with the winners
paid, with the bot restarted in every phase (each phase change runs on database timers)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import discord
import simcord

from bot.config import Settings
from bot.jobs import Job, JobStatus
from bot.ledger import LedgerEntry

from .conftest import World, restart
from .helpers import bot_of, results_for, run_for

HOUR = 3600
VOTE_ID = re.compile(r"vx:vote:(\d+):(\d+)")


# -- helpers shared by the contest tests -------------------------------------------------------------


def members(world: World, prefix: str, count: int) -> list[simcord.MemberActor]:
    return [world.guild.add_member(world.env.create_user(f"{prefix}{n}")) for n in range(1, count + 1)]


def buttons(message: discord.Message) -> list[tuple[str, str]]:
    """(label, custom id) of every button of a message."""
    return [(child.label or "", child.custom_id or "")  # type: ignore[attr-defined]
            for row in message.components for child in row.children]  # type: ignore[attr-defined]


async def create_contest(world: World, **options: object) -> tuple[int, simcord.ChannelHandle]:
    """An admin's /contest create; returns the contest id and its thread."""
    values: dict[str, object] = {"title": "Foxes at night", "theme": "a fox under the moon", "entry_hours": 1.0,
                                 "vote_hours": 1.0, "prizes": "500,250,100"}
    values.update(options)
    made = await world.admin.slash(world.channel, "contest create", **values)
    assert made.ephemeral and made.response is not None, world.env.errors
    found = re.search(r"Contest #(\d+)", made.response.content)
    assert found, made.response.content
    thread = world.channel.threads[-1]
    return int(found[1]), thread


async def jobs_of(world: World) -> list[Job]:
    services = bot_of(world.env).services
    async with services.db.read() as conn:
        rows = await conn.fetch_all("SELECT id FROM jobs ORDER BY created_at, rowid")
    return [job for row in rows if (job := await services.generation.get(str(row[0]))) is not None]


async def imagine(world: World, member: simcord.MemberActor, prompt: str) -> tuple[Job, discord.Message]:
    """A delivered result of ``member``'s in the studio channel, and its post."""
    await member.slash(world.channel, "imagine", prompt=prompt, model="flux-2-flash")
    await run_for(world.env, 30)
    job = (await jobs_of(world))[-1]
    posted = results_for(world.channel, job.id)
    assert job.member_id == member.id and job.status is JobStatus.DELIVERED and len(posted) == 1
    return job, posted[0]


def board(thread: simcord.ChannelHandle) -> dict[int, tuple[discord.Message, int]]:
    """The voting board: entry number -> (its post, the entry id its Vote button carries)."""
    shown: dict[int, tuple[discord.Message, int]] = {}
    for message in thread.history():
        for _, custom in buttons(message):
            found = VOTE_ID.fullmatch(custom)
            if found:
                number = int(message.embeds[0].title.removeprefix("Entry #"))
                assert number not in shown, "an entry was posted twice"
                shown[number] = (message, int(found[2]))
    return shown


async def entry_authors(world: World, contest_id: int) -> dict[int, int]:
    """entry id -> member id, as the engine stored them (what the board must not show)."""
    async with bot_of(world.env).services.db.read() as conn:
        rows = await conn.fetch_all("SELECT id, member_id FROM contest_entries WHERE contest_id = ?", (contest_id,))
    return {int(r[0]): int(r[1]) for r in rows}


async def bonus_rows(world: World) -> list[LedgerEntry]:
    rows = await bot_of(world.env).services.ledger.history(world.guild.id, limit=500)
    return [row for row in rows if row.kind == "bonus"]


def posts_marked(thread: simcord.ChannelHandle, text: str) -> list[discord.Message]:
    return [m for m in thread.history() if any(e.footer.text == text for e in m.embeds)]


# -- the whole contest --------------------------------------------------------------------------------


@dataclass
class Cast:
    entrants: list[simcord.MemberActor]
    voters: list[simcord.MemberActor]


async def test_a_whole_contest_across_a_restart_in_each_phase(world: World, settings: Settings) -> None:
    env = world.env
    cast = Cast(members(world, "maker", 5), members(world, "voter", 8))
    await run_for(env, 60)  # everyone joined before the contest began
    contest_id, thread = await create_contest(world, required_words="fox")
    rules = posts_marked(thread, f"contest {contest_id} · rules")
    assert len(rules) == 1 and "a fox under the moon" in (rules[0].embeds[0].description or "")

    await restart(env, settings)  # -- entries phase
    for n, member in enumerate(cast.entrants[:3], 1):
        started = await member.slash(thread, "contest enter", contest=contest_id, prompt=f"fox number {n}")
        assert not started.ephemeral, env.errors
    submitted: list[discord.Message] = []
    for member in cast.entrants[3:]:
        _, posted = await imagine(world, member, f"a red fox by {member.name}")
        labels = [label for label, _ in buttons(posted)]
        assert "Submit to Foxes at night" in labels
        clicked = await member.click(posted, label="Submit to Foxes at night")
        assert clicked.ephemeral and "Entered in **Foxes at night**" in clicked.response.content
        submitted.append(posted)
    await run_for(env, 60)
    for posted in submitted:  # the Submit button is gone from the result once it is an entry
        refreshed = next(m for m in world.channel.history() if m.id == posted.id)
        assert all(not label.startswith("Submit") for label, _ in buttons(refreshed))
    entered_in_thread = [m for m in thread.history() if any(lb == "Withdraw entry" for lb, _ in buttons(m))]
    assert len(entered_in_thread) == 5  # three results made there, two submitted posts
    await restart(env, settings)  # -- still the entries phase, entries made

    await run_for(env, HOUR, step=300)  # entries close: the board is posted
    shown = board(thread)
    assert sorted(shown) == [1, 2, 3, 4, 5]
    authors = await entry_authors(world, contest_id)
    names = [m.name for m in cast.entrants] + [f"<@{m.id}>" for m in cast.entrants]
    for message, _ in shown.values():
        assert message.attachments, "each entry shows its image"
        seen = message.content + " ".join(str(e.to_dict()) for e in message.embeds)
        assert not any(name in seen for name in names), "the board names no author"
    header = posts_marked(thread, f"contest {contest_id} · voting")
    assert len(header) == 1 and header[0].attachments[0].filename == "gallery.png"

    await restart(env, settings)  # -- voting phase
    by_number = {n: entry_id for n, (_, entry_id) in shown.items()}
    author_of = {n: authors[e] for n, e in by_number.items()}
    plan = [1, 1, 1, 1, 2, 2, 3, 4]  # voter k votes for entry plan[k]; the last changes to #1 below
    for voter, number in zip(cast.voters, plan, strict=True):
        clicked = await voter.click(shown[number][0], custom_id=f"vx:vote:{contest_id}:{by_number[number]}")
        assert clicked.ephemeral and f"Your vote for entry #{number} is in" in clicked.response.content
    changed = await cast.voters[-1].click(shown[1][0], custom_id=f"vx:vote:{contest_id}:{by_number[1]}")
    assert "moved from entry #4 to entry #1" in changed.response.content
    own = next(m for m in cast.entrants if m.id == author_of[2])
    refused = await own.click(shown[2][0], custom_id=f"vx:vote:{contest_id}:{by_number[2]}")
    assert refused.ephemeral and "cannot vote for your own entry" in refused.response.content
    late = world.guild.add_member(env.create_user("newcomer"))
    refused = await late.click(shown[1][0], custom_id=f"vx:vote:{contest_id}:{by_number[1]}")
    assert refused.ephemeral and "Only members who were in the server before this contest began" in \
        refused.response.content
    shown_to_voter = await cast.voters[0].slash(world.channel, "contest show", contest=contest_id)
    assert "you vote for entry #1" in str(shown_to_voter.response.embeds[0].to_dict())
    assert "votes" not in str(shown_to_voter.response.embeds[0].to_dict()).replace("counts stay hidden", "")
    await restart(env, settings)  # -- still voting, votes cast

    await run_for(env, HOUR, step=300)  # voting closes; prizes paid; results posted
    results = posts_marked(thread, f"contest {contest_id} · results")
    assert len(results) == 1
    post = results[0]
    first, second, third = author_of[1], author_of[2], author_of[3]
    assert {u.id for u in post.mentions} == {first, second, third}
    lines = (post.embeds[0].description or "").splitlines()
    assert lines[0] == f"🥇 1st · entry #1 by <@{first}> · 5 votes · **500 cr**"  # the changed vote counts once
    assert lines[1] == f"🥈 2nd · entry #2 by <@{second}> · 2 votes · **250 cr**"
    assert lines[2] == f"🥉 3rd · entry #3 by <@{third}> · 1 vote · **100 cr**"
    assert post.attachments[0].filename == "gallery.png"

    await restart(env, settings)  # -- closed: nothing is paid or posted again
    await run_for(env, HOUR, step=600)
    assert len(posts_marked(thread, f"contest {contest_id} · results")) == 1
    paid = sorted((row.member_id, row.amount) for row in await bonus_rows(world))
    assert paid == sorted([(first, 500), (second, 250), (third, 100)])
    ledger = bot_of(env).services.ledger
    assert (await ledger.member_status(world.guild.id, first)).bonus == 500
    assert (await ledger.audit(world.guild.id)).ok
    refused = await cast.voters[0].click(shown[2][0], custom_id=f"vx:vote:{contest_id}:{by_number[2]}")
    assert "has closed" in refused.response.content
