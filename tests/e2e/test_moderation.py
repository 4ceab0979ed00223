"""Moderation as members and moderators see it: the log channel gets job starts, cancels, deletes,
admin changes and reports; a report's Delete works for moderators, after a restart too; an admin
exports the server's jobs as a CSV attachment."""

from __future__ import annotations

import csv
import io

import discord
import pytest
import simcord
from discord import app_commands

from bot.config import Settings
from bot.jobs import Job, JobStatus
from bot.policy.errors import MemberBlockedError
from bot.sandbox.server import SandboxServer
from bot.ui.report_buttons import mod_block_id, mod_delete_id, report_id

from .conftest import World, restart
from .helpers import assert_refused, bot_of, results_for, run_for

FLUX = "flux-2-flash"


def _logged(log_channel: simcord.ChannelHandle) -> list[discord.Message]:
    return [m for m in log_channel.history() if m.embeds]


def _titles(log_channel: simcord.ChannelHandle) -> list[str]:
    return [m.embeds[0].title or "" for m in _logged(log_channel)]


def _fields(message: discord.Message) -> dict[str, str]:
    return {field.name or "": field.value or "" for field in message.embeds[0].fields}


async def _made(world: World, prompt: str = "a lighthouse") -> tuple[Job, discord.Message]:
    await world.alice.slash(world.channel, "imagine", prompt=prompt, model=FLUX)
    await run_for(world.env, 30)
    services = bot_of(world.env).services
    async with services.db.read() as conn:
        job_id = str(await conn.fetch_value("SELECT id FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT 1"))
    job = await services.generation.get(job_id)
    assert job is not None and job.status is JobStatus.DELIVERED
    [posted] = results_for(world.channel, job.id)
    return job, posted


async def _with_log_channel(world: World) -> simcord.ChannelHandle:
    log_channel = world.guild.create_text_channel("mod-log")
    answer = await world.admin.slash(world.channel, "policy log-channel", channel=log_channel)
    assert answer.ephemeral and f"now posted in <#{log_channel.id}>" in answer.response.content
    return log_channel


async def test_a_report_reaches_the_log_channel_and_a_moderator_deletes_the_result(
    world: World, settings: Settings
) -> None:
    log_channel = await _with_log_channel(world)
    assert _titles(log_channel) == ["⚙️ Admin change"]  # setting the channel is itself an admin change
    job, posted = await _made(world)
    started = _logged(log_channel)[-1]
    assert started.embeds[0].title == "▶️ Job started"
    assert _fields(started)["Member"] == f"<@{world.alice.id}>" and _fields(started)["Model"] == f"`{FLUX}`"
    assert f"/channels/{world.guild.id}/{world.channel.id}/" in _fields(started)["Where"]
    assert "Report" in [c.label for row in posted.components for c in row.children]  # type: ignore[attr-defined]

    reported = await world.bob.click(posted, custom_id=report_id(job.id))
    assert reported.ephemeral and "moderators have your report" in reported.response.content
    again = await world.bob.click(posted, custom_id=report_id(job.id))
    assert again.ephemeral and "already reported" in again.response.content

    report = _logged(log_channel)[-1]
    assert report.embeds[0].title == "🚩 Result reported" and _titles(log_channel).count("🚩 Result reported") == 1
    assert _fields(report)["Member"] == f"<@{world.alice.id}>" and _fields(report)["By"] == f"<@{world.bob.id}>"
    assert report.embeds[0].description == "> a lighthouse"
    assert [c.label for row in report.components for c in row.children] == [  # type: ignore[attr-defined]
        "Delete", "Block author"]

    await restart(world.env, settings)  # the report's buttons carry their targets: they outlive the bot
    refused = await world.bob.click(report, custom_id=mod_delete_id(job.id))
    assert refused.ephemeral and "Manage Messages" in refused.response.content
    assert len(results_for(world.channel, job.id)) == 1

    mods = world.guild.create_role("Mods", permissions=discord.Permissions(manage_messages=True))
    moderator = world.guild.add_member(world.env.create_user("mo"), roles=[mods])
    deleted = await moderator.click(report, custom_id=mod_delete_id(job.id))

    assert deleted.ephemeral and "Deleted" in deleted.response.content
    assert results_for(world.channel, job.id) == []
    gone = await bot_of(world.env).services.generation.get(job.id)
    assert gone is not None and gone.deleted_by == moderator.id
    assert _titles(log_channel)[-1] == "🗑️ Result deleted"
    assert _fields(_logged(log_channel)[-1])["By"] == f"<@{moderator.id}>"


async def test_block_author_blocks_the_member_here(world: World) -> None:
    log_channel = await _with_log_channel(world)
    job, posted = await _made(world)
    await world.bob.click(posted, custom_id=report_id(job.id))
    report = _logged(log_channel)[-1]

    refused = await world.bob.click(report, custom_id=mod_block_id(world.guild.id, world.alice.id))
    assert refused.ephemeral and "Manage Server" in refused.response.content
    answer = await world.admin.click(report, custom_id=mod_block_id(world.guild.id, world.alice.id))

    assert answer.ephemeral and "may no longer generate in this server" in answer.response.content
    async with bot_of(world.env).services.db.read() as conn:
        assert await conn.fetch_value("SELECT COUNT(*) FROM audit_event WHERE kind = 'blocked'") == 1
    blocked = await world.alice.slash(world.channel, "imagine", prompt="again", model="flux-2-flash")
    assert blocked.ephemeral and "blocked" in blocked.response.content.lower()
    assert_refused(world.env, MemberBlockedError)
    # The refusal is in the audit log too (and in the log channel).
    async with bot_of(world.env).services.db.read() as conn:
        assert await conn.fetch_value("SELECT COUNT(*) FROM audit_event WHERE kind = 'refused'") == 1


async def test_without_a_log_channel_a_report_says_so_and_events_are_still_kept(world: World) -> None:
    job, posted = await _made(world)

    answer = await world.bob.click(posted, custom_id=report_id(job.id))

    assert answer.ephemeral and "no log channel" in answer.response.content
    async with bot_of(world.env).services.db.read() as conn:
        assert await conn.fetch_value("SELECT COUNT(*) FROM moderation_report") == 0
        kinds = [row[0] for row in await conn.fetch_all("SELECT kind FROM audit_event ORDER BY id")]
    assert kinds == ["job_started"]


async def test_the_log_channel_gets_a_job_start_and_its_cancel(world: World, sandbox: SandboxServer) -> None:
    sandbox.state.add_key("vvx_sandbox_pro", concurrent_jobs=1)  # one job at a time: the second waits
    await bot_of(world.env).services.catalog.refresh()
    log_channel = await _with_log_channel(world)
    slow = "grok-imagine-image-quality"
    await world.bob.slash(world.channel, "imagine", prompt="first", model=slow)
    await world.alice.slash(world.channel, "imagine", prompt="second in line", model=slow)
    async with bot_of(world.env).services.db.read() as conn:
        waiting = str(await conn.fetch_value("SELECT id FROM jobs WHERE status = 'queued'"))

    cancelled = await world.alice.slash(world.channel, "queue cancel", job=waiting)

    assert cancelled.ephemeral and "Cancelled your job" in cancelled.response.content
    assert _titles(log_channel) == ["⚙️ Admin change", "▶️ Job started", "▶️ Job started", "✖️ Job cancelled"]
    cancel = _logged(log_channel)[-1]
    assert cancel.embeds[0].description == "> second in line"
    assert _fields(cancel)["Member"] == f"<@{world.alice.id}>" and "By" not in _fields(cancel)  # her own
    assert _fields(cancel)["Status"] == "cancelled: refunded"
    assert cancel.embeds[0].footer.text == f"cancelled · job {waiting}"


@pytest.mark.parametrize("what", ["jobs", "ledger"])
async def test_an_export_is_a_csv_attachment_with_the_rows(world: World, what: str) -> None:
    job, _ = await _made(world, prompt='a "quoted", comma prompt')

    answer = await world.admin.slash(world.channel, "policy export", what=what)

    assert answer.ephemeral
    [attachment] = answer.response.attachments
    assert attachment.filename.startswith(f"{what}-{world.guild.id}-start-") and attachment.filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO((await attachment.read()).decode("utf-8"))))
    if what == "jobs":
        assert [(r["job_id"], r["prompt"], r["member_id"]) for r in rows] == [
            (job.id, 'a "quoted", comma prompt', str(world.alice.id))]
        assert rows[0]["credits_used"] == str(job.credits_used)
    else:
        assert [r["kind"] for r in rows] == ["grant", "hold", "settle", "release"][:len(rows)]
        assert {r["job_id"] for r in rows[1:]} == {job.id}
    assert f"{len(rows):,} {what} rows" in answer.response.content


async def test_log_channel_and_export_are_hidden_and_checked_again(world: World) -> None:
    assert {"policy log-channel", "policy export"} <= set(world.admin.available_commands(world.channel))
    assert not {c for c in world.alice.available_commands(world.channel) if c.startswith("policy")}
    commands = await bot_of(world.env).tree.fetch_commands()
    policy = next(command for command in commands if command.name == "policy")
    world.guild.set_command_permissions(policy, {world.alice: True})  # an override lets her see it

    for name in ("policy export", "policy log-channel"):
        answer = await world.alice.slash(world.channel, name)
        assert answer.ephemeral and "**Manage Server**" in answer.response.content
    simcord.assert_error(world.env, app_commands.MissingPermissions)
    assert await bot_of(world.env).services.moderation.channels.get(world.guild.id) is None


async def test_a_contests_admin_changes_are_logged_and_an_entry_is_not(world: World) -> None:
    log_channel = await _with_log_channel(world)
    made = await world.admin.slash(world.channel, "contest create", title="Foxes", theme="a fox", entry_hours=1.0,
                                   vote_hours=1.0, prizes="100")
    assert made.ephemeral
    await world.alice.slash(world.channel, "contest list")

    async with bot_of(world.env).services.db.read() as conn:
        commands = [str(row[0]) for row in await conn.fetch_all(
            "SELECT json_extract(details_json, '$.command') FROM audit_event WHERE kind = 'admin' ORDER BY id")]
    assert commands == ["/policy log-channel", "/contest create"]
    assert _titles(log_channel)[-1] == "⚙️ Admin change"
