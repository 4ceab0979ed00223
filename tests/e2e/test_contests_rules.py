"""The contest rules a member or admin meets on Discord: who may create, what the allowance covers,
what an entry must be, sponsored budgets, withdrawing, disqualification, cancelling, ties, export."""

from __future__ import annotations

import csv
import io
import uuid

import discord
from discord import app_commands

from bot.contests.errors import (
    BudgetExhaustedError,
    ContestFundsError,
    EntryRefusedError,
)
from bot.contests.export import read_votes_csv
from bot.contests.votes import verify_chain
from bot.ledger import POOL_MEMBER

from .conftest import World
from .helpers import assert_refused, bot_of, run_for
from .test_contests import HOUR, board, bonus_rows, buttons, create_contest, imagine, jobs_of, members, posts_marked

FLUX = "flux-2-flash"  # holds 12 credits


async def test_only_server_managers_create_and_the_allowance_must_cover_it(world: World) -> None:
    await world.alice.slash(world.channel, "contest create", title="Mine", theme="t", entry_hours=1.0,
                            vote_hours=1.0)
    assert_refused(world.env, app_commands.MissingPermissions)
    assert world.channel.threads == []

    await world.admin.slash(world.channel, "contest create", title="Rich", theme="t", entry_hours=1.0,
                            vote_hours=1.0, prizes="4000,1000,500")
    refused = assert_refused(world.env, ContestFundsError)
    assert "needs 5,500 credits held" in str(refused) and "has 5,000 left" in str(refused)
    assert world.channel.threads == []  # the thread made for it is gone
    status = await bot_of(world.env).services.ledger.guild_status(world.guild.id)
    assert status.held == 0 and status.allowance_remaining == 5000


async def test_enter_keeps_to_the_contest_rules_and_charges_nothing_when_refused(world: World) -> None:
    contest_id, thread = await create_contest(world, required_words="fox", models=FLUX)
    await world.alice.slash(thread, "contest enter", contest=contest_id, prompt="a cat at night")
    assert "must contain `fox`" in str(assert_refused(world.env, EntryRefusedError))
    await world.alice.slash(thread, "contest enter", contest=contest_id, prompt="a fox",
                            model="grok-imagine-image-quality")
    assert "takes entries from `flux-2-flash` only" in str(assert_refused(world.env, EntryRefusedError))
    assert await jobs_of(world) == []

    choices = await world.alice.autocomplete(thread, "contest enter", "model", "", contest=contest_id)
    assert [c["value"] for c in choices] == [FLUX]
    listed = await world.alice.autocomplete(world.channel, "contest enter", "contest", "")
    assert [c["value"] for c in listed] == [contest_id]

    entered = await world.alice.slash(world.channel, "contest enter", contest=contest_id, prompt="a fox")
    assert entered.ephemeral and f"rendering in <#{thread.id}>" in entered.response.content  # from elsewhere
    await run_for(world.env, 60)
    job = (await jobs_of(world))[-1]
    assert job.channel_id == thread.id and job.member_id == world.alice.id
    entry_posts = [m for m in thread.history() if any(e.footer.text == f"job {job.id}" for e in m.embeds)
                   and m.interaction_metadata is None]
    assert len(entry_posts) == 1 and ("Withdraw entry", "vx:cwd:1") in buttons(entry_posts[0])
    await world.alice.slash(thread, "contest enter", contest=contest_id, prompt="another fox")
    assert "takes one entry per member" in str(assert_refused(world.env, EntryRefusedError))


async def test_only_the_bots_own_results_made_in_the_window_can_be_submitted(world: World) -> None:
    before, before_post = await imagine(world, world.alice, "a fox before the contest")
    contest_id, _ = await create_contest(world)
    assert all(not label.startswith("Submit") for label, _ in buttons(before_post))
    services = bot_of(world.env).services
    for job_id, reason in ((uuid.uuid4().hex, "not one of this server's"), (before.id, "made while the contest")):
        try:
            await services.contests.submit(world.guild.id, contest_id, job_id, world.alice.id)
        except EntryRefusedError as refused:
            assert reason in str(refused)
        else:
            raise AssertionError("a job the contest cannot take was entered")
    _, posted = await imagine(world, world.alice, "a fox in the snow")
    refused = await world.bob.click(posted, label="Submit to Foxes at night")  # not bob's result
    assert refused.ephemeral and "Only the member who made a result can enter it" in refused.response.content
    assert (await services.contests.show(world.guild.id, contest_id, world.alice.id)).entries == 0


async def test_sponsored_entries_draw_from_the_budget_until_it_runs_out(world: World) -> None:
    contest_id, thread = await create_contest(world, entry_cost="sponsored", budget=20, prizes="100")
    services = bot_of(world.env).services
    ledger = services.ledger
    budget_key = f"contest:{contest_id}:budget"
    await world.alice.slash(thread, "contest enter", contest=contest_id, prompt="a fox", model=FLUX)
    await run_for(world.env, 60)
    job = (await jobs_of(world))[-1]
    assert (await ledger.member_status(world.guild.id, world.alice.id)).cycle_used == 0  # alice paid nothing
    holds = await ledger.entries_for_job(job.id)
    assert {row.member_id for row in holds} == {POOL_MEMBER}
    async with services.db.read() as conn:
        assert await ledger.pool_left(conn, budget_key) == 20 - job.held

    await world.bob.slash(thread, "contest enter", contest=contest_id, prompt="a fox", model=FLUX)
    refused = assert_refused(world.env, BudgetExhaustedError)
    assert (refused.left, refused.needed) == (20 - job.held, job.held)
    assert (await ledger.member_status(world.guild.id, world.bob.id)).cycle_used == 0
    shown = await world.alice.slash(world.channel, "contest show", contest=contest_id)
    assert f"{20 - job.held} left" in str(shown.response.embeds[0].to_dict())
    assert (await ledger.audit(world.guild.id)).ok


async def test_withdrawing_and_a_moderators_delete_take_entries_out(world: World) -> None:
    mods = world.guild.create_role("Mods", permissions=discord.Permissions(manage_messages=True))
    mod = world.guild.add_member(world.env.create_user("mod"), roles=[mods])
    carol, dan = members(world, "entrant", 2)
    contest_id, thread = await create_contest(world, entry_hours=0.5)
    for member in (world.alice, world.bob, carol, dan):
        await member.slash(thread, "contest enter", contest=contest_id, prompt=f"a fox by {member.name}")
    await run_for(world.env, 60)
    posts = {m.mentions[0].id: m for m in thread.history() if any(lb == "Withdraw entry" for lb, _ in buttons(m))}
    spent = (await bot_of(world.env).services.ledger.member_status(world.guild.id, world.alice.id)).cycle_used

    refused = await world.bob.click(posts[world.alice.id], label="Withdraw entry")
    assert "Only its author can withdraw" in refused.response.content
    withdrawn = await world.alice.click(posts[world.alice.id], label="Withdraw entry")
    assert withdrawn.ephemeral and "withdrawn" in withdrawn.response.content
    assert (await bot_of(world.env).services.ledger.member_status(world.guild.id, world.alice.id)).cycle_used \
        == spent  # no refund
    await world.bob.slash(world.channel, "contest withdraw", contest=contest_id)
    deleted = await mod.click(posts[carol.id], label="Delete")
    assert deleted.ephemeral and "Deleted" in deleted.response.content

    await run_for(world.env, HOUR / 2, step=300)
    assert len(board(thread)) == 1  # only dan's entry is left in the vote
    view = await bot_of(world.env).services.contests.show(world.guild.id, contest_id, carol.id)
    assert [e.status.value for e in view.my_entries] == ["withdrawn"]  # disqualified: carol's post was deleted
    await dan.slash(world.channel, "contest withdraw", contest=contest_id)
    assert "Voting has opened" in str(assert_refused(world.env, EntryRefusedError))


async def test_cancel_releases_everything_and_tells_the_entrants(world: World) -> None:
    ledger = bot_of(world.env).services.ledger
    contest_id, thread = await create_contest(world, entry_cost="sponsored", budget=200, prizes="300,100")
    assert (await ledger.guild_status(world.guild.id)).allowance_remaining == 5000 - 600
    await world.alice.slash(thread, "contest enter", contest=contest_id, prompt="a fox", model=FLUX)
    await run_for(world.env, 60)
    used = (await jobs_of(world))[-1].credits_used or 0

    cancelled = await world.admin.slash(world.channel, "contest cancel", contest=contest_id)
    assert cancelled.ephemeral and f"{600 - (await jobs_of(world))[-1].held:,} credits went back" in \
        cancelled.response.content
    status = await ledger.guild_status(world.guild.id)
    assert (status.held, status.allowance_remaining) == (0, 5000 - used)
    told = thread.history()[-1]
    assert "was cancelled" in told.content and world.alice.id in {u.id for u in told.mentions}
    await run_for(world.env, 3 * HOUR, step=600)  # its timers run as no-ops: no board, no results
    assert board(thread) == {} and posts_marked(thread, f"contest {contest_id} · results") == []
    assert (await ledger.audit(world.guild.id)).ok


async def test_a_tie_shares_the_place_and_its_prizes(world: World) -> None:
    voters = members(world, "voter", 3)
    await run_for(world.env, 60)
    contest_id, thread = await create_contest(world, entry_hours=0.5, vote_hours=0.5)
    carol = members(world, "late", 1)[0]
    for member in (world.alice, world.bob, carol):
        await member.slash(thread, "contest enter", contest=contest_id, prompt="a fox")
    await run_for(world.env, 60)
    closed = await world.admin.slash(world.channel, "contest close", contest=contest_id)
    assert "Entries for **Foxes at night** closed now" in closed.response.content
    await run_for(world.env, 10)
    shown = board(thread)
    numbers = sorted(shown)
    for voter, number in zip(voters[:2], numbers[:2], strict=True):
        await voter.click(shown[number][0], custom_id=f"vx:vote:{contest_id}:{shown[number][1]}")
    await run_for(world.env, HOUR, step=300)
    lines = (posts_marked(thread, f"contest {contest_id} · results")[0].embeds[0].description or "").splitlines()
    assert [line.split(" · ")[0] for line in lines] == ["🥇 1st", "🥇 1st", "▫️ —"]
    assert all(line.endswith("1 vote · **375 cr**") for line in lines[:2])
    assert sorted(row.amount for row in await bonus_rows(world)) == [375, 375]


async def test_export_gives_the_entries_and_a_vote_chain_that_checks(world: World) -> None:
    voter = members(world, "voter", 1)[0]
    await run_for(world.env, 60)
    contest_id, thread = await create_contest(world, entry_hours=0.2, vote_hours=0.2)
    for member in (world.alice, world.bob):
        await member.slash(thread, "contest enter", contest=contest_id, prompt="a fox")
    await run_for(world.env, HOUR * 0.2, step=240)
    shown = board(thread)
    for number in sorted(shown):  # a vote, then a change
        await voter.click(shown[number][0], custom_id=f"vx:vote:{contest_id}:{shown[number][1]}")
    early = await world.admin.slash(world.channel, "contest export", contest=contest_id)
    assert [a.filename for a in early.response.attachments] == [f"contest-{contest_id}-entries.csv"]
    assert "Votes stay hidden until voting closes" in early.response.content
    await run_for(world.env, HOUR * 0.2, step=240)

    exported = await world.admin.slash(world.channel, "contest export", contest=contest_id)
    files = {a.filename: (await a.read()).decode() for a in exported.response.attachments}
    entries = list(csv.DictReader(io.StringIO(files[f"contest-{contest_id}-entries.csv"])))
    assert sorted(int(row["member_id"]) for row in entries) == sorted([world.alice.id, world.bob.id])
    rows = read_votes_csv(io.StringIO(files[f"contest-{contest_id}-votes.csv"]))
    assert [r.kind for r in rows] == ["cast", "change"] and verify_chain(contest_id, rows).ok


async def test_in_a_forum_the_contest_is_a_post_whose_first_message_holds_the_rules(world: World) -> None:
    forum = world.guild.create_forum_channel("contests")
    made = await world.admin.slash(world.channel, "contest create", title="Owls", theme="an owl", entry_hours=1.0,
                                   vote_hours=1.0, channel=forum)
    assert made.ephemeral, world.env.errors
    (post,) = forum.threads
    (starter,) = post.history()
    assert starter.embeds[0].title == "🏆 #1 · Owls" and starter.embeds[0].footer.text == "contest 1 · rules"
    await world.alice.slash(post, "contest enter", contest=1, prompt="an owl")
    await run_for(world.env, 60)
    assert any(("Withdraw entry", "vx:cwd:1") in buttons(m) for m in post.history())
