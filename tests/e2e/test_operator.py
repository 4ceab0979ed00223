"""/operator: the bot's operator (OWNER_IDS) sets allowances and reads the wallet; nobody else can."""

from __future__ import annotations

from typing import Any

import discord
import pytest
import simcord
from pydantic import SecretStr

from bot.config import Settings
from bot.ledger import InvalidInputError
from bot.logs import REDACTED
from bot.ops.commitment import OverCommitError
from bot.ops.job_record import JobRefTooShortError, UnknownJobError
from bot.sandbox.faults import Fault
from bot.sandbox.server import SandboxServer
from bot.ui.errors import NotOperatorError
from bot.ui.operator_job import generation_ids

from .conftest import World, restart
from .helpers import assert_refused, bot_of, only_job_id, results_for, run_for

OPERATOR_COMMANDS = {"operator allowance", "operator wallet", "operator servers", "operator job",
                     "operator pause", "operator resume", "operator block-server", "operator unblock-server"}
OPS_GUILD_ID = 1_300_000_000_000_000_001
REFUSAL = "🔒 Only the bot's operator can use this command."


async def make_operator(env: simcord.Env, settings: Settings, name: str = "olga", **changes: Any
                        ) -> simcord.UserHandle:
    """A user named in OWNER_IDS: the bot restarts with settings that say so."""
    user = env.create_user(name)
    await restart(env, settings.model_copy(update={"owner_ids": frozenset({user.id}), **changes}))
    return user


def reply_of(result: simcord.InteractionResult) -> str:
    assert result.ephemeral, result
    assert result.response is not None
    return result.response.content


def fields_of(result: simcord.InteractionResult) -> dict[str, str]:
    assert result.ephemeral, result
    assert result.response is not None
    return fields_in(result.response.embeds[0])


def fields_in(embed: discord.Embed) -> dict[str, str]:
    return {field.name or "": field.value or "" for field in embed.fields}


def commands_in(names: tuple[str, ...]) -> set[str]:
    return {name for name in names if name.startswith("operator")}


# -- without OPERATOR_GUILD_ID: global, usable only in the bot's DMs ---------------------------------


async def test_operator_commands_live_only_in_dms(world: World, settings: Settings) -> None:
    operator = await make_operator(world.env, settings)

    assert commands_in(operator.available_commands()) == OPERATOR_COMMANDS
    assert commands_in(world.admin.available_commands(world.channel)) == set()
    assert commands_in(world.alice.available_commands(world.channel)) == set()
    assert world.guild.owner.id != operator.id


async def test_someone_else_in_dms_is_refused(world: World, settings: Settings) -> None:
    await make_operator(world.env, settings)
    stranger = world.env.create_user("mallory")

    attempts: list[tuple[str, dict[str, Any]]] = [
        ("operator wallet", {}),
        ("operator servers", {}),
        ("operator allowance", {"server": str(world.guild.id), "amount": 99_999}),
        ("operator job", {"id": "0123456789abcdef"}),
    ]
    for name, options in attempts:
        assert reply_of(await stranger.slash(name, **options)) == REFUSAL
    simcord.assert_error(world.env, NotOperatorError)
    assert (await bot_of(world.env).services.ledger.guild_status(world.guild.id)).allowance == 5000
    assert await stranger.autocomplete("operator allowance", "server", "") == []
    assert await stranger.autocomplete("operator job", "id", "") == []


async def test_allowance_changes_what_a_server_can_spend(world: World, settings: Settings) -> None:
    operator = await make_operator(world.env, settings)
    await world.alice.slash(world.channel, "credits")  # the server starts on the default 5,000

    result = await operator.slash("operator allowance", server=str(world.guild.id), amount=8000)

    assert reply_of(result) == (
        f"✅ **Makers** (`{world.guild.id}`) now gets **8,000** credits per 30 days; "
        "**8,000** left this cycle."
    )
    credits = fields_in(embed_of(await world.alice.slash(world.channel, "credits"), ephemeral=None))
    assert credits["Server allowance"].startswith("**8,000** left for everyone")
    show = await world.admin.slash(world.channel, "quota show")
    assert fields_in(embed_of(show, ephemeral=None))["Allowance"] == (
        "**8,000** credits per 30 days"
    )
    rows = await bot_of(world.env).services.ledger.history(world.guild.id)
    assert (rows[0].kind, rows[0].amount, rows[0].actor) == ("adjust", 3000, str(operator.id))


async def test_allowance_refusals(world: World, settings: Settings) -> None:
    operator = await make_operator(world.env, settings)

    not_an_id = await operator.slash("operator allowance", server="Makers", amount=100)
    negative = await operator.slash("operator allowance", server=str(world.guild.id), amount=-1)

    assert reply_of(not_an_id) == "❌ `Makers` is not a server id. Nothing was changed."
    assert reply_of(negative) == "❌ `amount` must be a whole number, 0 or more (got `-1`). Nothing was changed."
    assert_refused(world.env, InvalidInputError)
    assert (await bot_of(world.env).services.ledger.guild_status(world.guild.id)).allowance == 5000


async def test_allowance_for_a_server_the_bot_is_not_in_yet(world: World, settings: Settings) -> None:
    operator = await make_operator(world.env, settings)

    result = await operator.slash("operator allowance", server="123456789012345678", amount=0)

    assert reply_of(result).startswith("✅ Server (`123456789012345678`) now gets **0** credits per 30 days")
    assert "not in that server (yet)" in reply_of(result)


async def test_allowance_suggests_the_bots_servers(world: World, settings: Settings) -> None:
    operator = await make_operator(world.env, settings)
    world.env.create_guild("Painters")

    choices = await operator.autocomplete("operator allowance", "server", "mak")

    assert choices == [{"name": f"Makers ({world.guild.id})", "value": str(world.guild.id)}]


async def test_wallet_asks_the_api_now(
    world: World, settings: Settings, sandbox: SandboxServer, api_key: str
) -> None:
    operator = await make_operator(world.env, settings)
    sandbox.state.set_balance(api_key, 12_345)

    result = await operator.slash("operator wallet")

    fields = fields_of(result)
    assert fields["Balance"] == "**12,345** credits"
    assert fields["Tier"] == "pro"
    assert fields["Key limits"] == "240 calls/min, 5 jobs at once"
    assert fields["Promised to servers"].startswith("0 credits per cycle across 0 servers")
    assert api_key not in str(result.response.embeds[0].to_dict())


async def test_wallet_when_the_api_does_not_answer(
    world: World, settings: Settings, sandbox: SandboxServer
) -> None:
    operator = await make_operator(world.env, settings)
    await world.alice.slash(world.channel, "credits")
    sandbox.state.inject_fault("models", Fault(status=401, code="INVALID_API_KEY", message="nope"))

    result = await operator.slash("operator wallet")

    embed = result.response.embeds[0]
    assert (embed.description or "").startswith("⚠️ The API did not answer just now (")
    assert "showing the last values it gave" in (embed.description or "")
    fields = fields_of(result)
    assert fields["Balance"] == "**15,000** credits"  # from the answer at start-up
    assert fields["Promised to servers"].startswith("5,000 credits per cycle across 1 server;")


async def test_servers_lists_allowance_and_spend(world: World, settings: Settings) -> None:
    operator = await make_operator(world.env, settings)
    ledger = bot_of(world.env).services.ledger
    await ledger.hold(world.guild.id, world.alice.id, 500, "s1", model="flux")
    await ledger.settle("s1", 420)
    await ledger.set_allowance(777_000_000_000_000_777, 100, actor="test")

    result = await operator.slash("operator servers")

    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "🗂️ Servers (2)"
    first, second = (embed.description or "").split("\n**")
    assert first.startswith(f"**Makers** `{world.guild.id}`\n5,000 per 30 days · spent **420** this cycle · "
                            "4,580 available · 0 held · renews <t:")
    assert second.startswith("*(the bot is not in it)*** `777000000000000777`\n100 per 30 days · spent **0**")
    assert fields_of(result)["Promised vs wallet"] == (
        "**5,100** credits per 30 days promised to servers, against the **pro** wallet's **15,000** per 30 days."
    )


# -- over-commitment: promises per 30 days against the wallet's budget for its tier -------------------

OTHER_GUILD = 777_000_000_000_000_777
THIRD_GUILD = 888_000_000_000_000_888


async def test_servers_warns_when_promises_exceed_the_wallet(world: World, settings: Settings) -> None:
    operator = await make_operator(world.env, settings)
    ledger = bot_of(world.env).services.ledger
    await world.alice.slash(world.channel, "credits")  # Makers: 5,000 per 30 days
    await ledger.set_allowance(OTHER_GUILD, 200, actor="test")
    await ledger.set_cycle(OTHER_GUILD, "daily", actor="test")  # 200 x 30 = 6,000
    await ledger.set_allowance(THIRD_GUILD, 1000, actor="test")
    await ledger.set_cycle(THIRD_GUILD, "weekly", actor="test")  # 1,000 x 30/7 = 4,285.7

    result = await operator.slash("operator servers")

    embed = result.response.embeds[0]
    assert fields_of(result)["Promised vs wallet"] == (
        "**15,286** credits per 30 days promised to servers, against the **pro** wallet's **15,000** per 30 days."
        "\n⚠️ **Over-committed by 286**: if servers spend what they are promised, the wallet runs dry first."
    )
    assert embed.footer.text == (
        "Allowances per 30 days: daily x30, weekly x30/7, monthly and 30-day x1, rounded up."
    )


async def test_servers_says_when_the_tier_has_no_known_budget(
    world: World, settings: Settings, sandbox: SandboxServer
) -> None:
    sandbox.state.add_key("vvx_sandbox_enterprise", tier="enterprise")
    operator = await make_operator(world.env, settings, vivix_api_key=SecretStr("vvx_sandbox_enterprise"))
    await world.alice.slash(world.channel, "credits")

    result = await operator.slash("operator servers")

    assert fields_of(result)["Promised vs wallet"] == (
        "**5,000** credits per 30 days promised to servers; the wallet's budget is unknown "
        "(API tier `enterprise`), so it cannot be checked."
    )


async def test_an_allowance_that_over_commits_waits_for_confirm(world: World, settings: Settings) -> None:
    operator = await make_operator(world.env, settings)
    ledger = bot_of(world.env).services.ledger
    await world.alice.slash(world.channel, "credits")  # Makers: 5,000 per 30 days

    held_back = await operator.slash("operator allowance", server=str(OTHER_GUILD), amount=12_000)

    assert reply_of(held_back) == (
        "⚠️ That would promise servers **17,000** credits per 30 days in all (now **5,000**), more than "
        "the **pro** wallet's **15,000** per 30 days. Nothing was changed.\n"
        "To set it anyway, run the same `/operator allowance` with `confirm: True`.\n"
        "-# Allowances per 30 days: daily x30, weekly x30/7, monthly and 30-day x1, rounded up."
    )
    assert_refused(world.env, OverCommitError)
    assert [s.guild_id for s in await ledger.list_guilds()] == [world.guild.id]

    confirmed = await operator.slash("operator allowance", server=str(OTHER_GUILD), amount=12_000, confirm=True)

    assert reply_of(confirmed).endswith(
        "\n**17,000** credits per 30 days promised to servers, against the **pro** wallet's **15,000** per "
        "30 days.\n⚠️ **Over-committed by 2,000**: if servers spend what they are promised, the wallet runs dry first."
    )
    assert (await ledger.guild_status(OTHER_GUILD)).allowance == 12_000


async def test_lowering_an_allowance_is_never_held_back(world: World, settings: Settings) -> None:
    operator = await make_operator(world.env, settings)
    ledger = bot_of(world.env).services.ledger
    await ledger.set_allowance(world.guild.id, 20_000, actor="test")  # already over the 15,000

    result = await operator.slash("operator allowance", server=str(world.guild.id), amount=16_000)

    assert reply_of(result).startswith("✅ **Makers**")
    assert "Over-committed by 1,000" in reply_of(result)
    assert (await ledger.guild_status(world.guild.id)).allowance == 16_000


async def test_within_the_budget_an_allowance_needs_no_confirm(world: World, settings: Settings) -> None:
    operator = await make_operator(world.env, settings)
    await world.alice.slash(world.channel, "credits")

    result = await operator.slash("operator allowance", server=str(OTHER_GUILD), amount=10_000)

    assert reply_of(result) == (
        f"✅ Server (`{OTHER_GUILD}`) now gets **10,000** credits per 30 days; **10,000** left this cycle."
        "\nThe bot is not in that server (yet); the setting waits for it."
    )


# -- /operator job: one job's whole record ------------------------------------------------------------


def embed_of(result: simcord.InteractionResult, *, ephemeral: bool | None = True) -> discord.Embed:
    """The answer's first embed (and, unless ``ephemeral`` is None, that it is or is not ephemeral)."""
    assert ephemeral is None or result.ephemeral is ephemeral, result
    assert result.response is not None
    return result.response.embeds[0]


def assert_within_discord_limits(embed: discord.Embed) -> None:
    assert len(embed) <= 6000
    assert len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    assert all(len(field.value or "") <= 1024 and len(field.name or "") <= 256 for field in embed.fields)


async def test_job_shows_a_delivered_jobs_whole_record(world: World, settings: Settings) -> None:
    operator = await make_operator(world.env, settings)
    await world.alice.slash(world.channel, "imagine", prompt="a red kite over dunes", model="flux-2-flash", seed=7)
    job_id = await only_job_id(world.env)
    await run_for(world.env, 60)
    [posted] = results_for(world.channel, job_id)
    job = await bot_of(world.env).services.generation.get(job_id)
    assert job is not None and job.generation_id

    embed = embed_of(await operator.slash("operator job", id=job_id[:8]))

    fields = fields_in(embed)
    assert embed.title == f"🔎 Job {job_id}"
    assert embed.description is not None and embed.description.startswith("```json\n")
    assert '"prompt": "a red kite over dunes"' in embed.description and '"seed": 7' in embed.description
    assert fields["Status"] == "**delivered** · completed"
    assert fields["Model"] == "`flux-2-flash` (image) · /imagine"
    assert fields["Credits"] == (
        f"held **{job.held:,}**\nestimate **{job.credits_estimate:,}**\nused **{job.credits_used:,}**"
    )
    assert fields["Where"] == (
        f"server **Makers** `{world.guild.id}`\nchannel <#{world.channel.id}> `{world.channel.id}`\n"
        f"member <@{world.alice.id}> `{world.alice.id}`"
    )
    assert fields["Generation ids"] == (
        f"`{job.generation_id}`\n-# idempotency key `{job.idempotency_key}` · 1 submit(s) · {job.polls} poll(s)"
    )
    assert "API error (operator only)" not in fields
    timings = fields["Timings (UTC)"].split("\n")
    assert [line.split(" `")[0] for line in timings[:4]] == ["created", "submitted", "finished", "delivered"]
    assert "waiting)" in timings[1] and "rendering)" in timings[2] and "posting)" in timings[3]
    assert timings[4].startswith("total **")
    assert fields["Delivery"].startswith(f"via **channel**\nresult message `{posted.id}` · [jump](")
    ledger_rows = fields["Ledger (3 rows)"].split("\n")
    assert [row.split(" · ")[0].split(" ", 1)[1] for row in ledger_rows] == [
        f"hold **+{job.held:,}**", f"settle **+{job.credits_used:,}**",
        f"release **+{job.held - (job.credits_used or 0):,}**",
    ]
    assert_within_discord_limits(embed)


async def test_job_shows_the_apis_own_error_text_to_the_operator_only(
    world: World, settings: Settings, sandbox: SandboxServer, api_key: str
) -> None:
    operator = await make_operator(world.env, settings)
    # Twice: a provider error is passing, so the job is submitted once more before it fails.
    sandbox.state.fail_next_generations(2, code="PROVIDER_ERROR", message=f"upstream 503 for key {api_key}")
    await world.alice.slash(world.channel, "imagine", prompt="a storm", model="flux-2-flash")
    job_id = await only_job_id(world.env)
    await run_for(world.env, 120)
    [posted] = results_for(world.channel, job_id)
    assert "upstream 503" not in posted.content  # the member sees a sentence chosen by the code
    job = await bot_of(world.env).services.generation.get(job_id)
    assert job is not None
    attempts = generation_ids(job)

    embed = embed_of(await operator.slash("operator job", id=f"job {job_id}"))

    fields = fields_in(embed)
    assert fields["Status"] == "**delivered** · failed"
    assert fields["API error (operator only)"] == f"`PROVIDER_ERROR`\n```\nupstream 503 for key {REDACTED}\n```"
    assert api_key not in str(embed.to_dict())
    assert attempts and fields["Generation ids"].startswith("".join(f"`{g}`\n" for g in attempts))
    assert [row.split(" · ")[0].split(" ", 1)[1] for row in fields["Ledger (2 rows)"].split("\n")] == [
        f"hold **+{embed_credit_held(fields)}**", f"release **+{embed_credit_held(fields)}**",
    ]


def embed_credit_held(fields: dict[str, str]) -> str:
    return fields["Credits"].split("**")[1]


async def test_job_fits_a_long_request_into_discords_limits(world: World, settings: Settings) -> None:
    operator = await make_operator(world.env, settings)
    prompt = "a very detailed scene " * 90  # 1,980 characters
    await world.alice.slash(world.channel, "video", prompt=prompt, model="kling-3-video",
                            negative_prompt="blurry, " * 60)
    job_id = await only_job_id(world.env)

    embed = embed_of(await operator.slash("operator job", id=job_id))

    assert_within_discord_limits(embed)
    description = embed.description or ""
    assert description.startswith("```json\n") and description.endswith("\n```")
    assert f"… (+{len(prompt.strip()) - 400} chars)" in description  # the prompt is kept stripped
    assert '"model": "kling-3-video"' in description
    assert fields_in(embed)["Status"].startswith("**")


async def test_job_suggests_recent_jobs(world: World, settings: Settings) -> None:
    operator = await make_operator(world.env, settings)
    await world.alice.slash(world.channel, "imagine", prompt="one", model="flux-2-flash")
    job_id = await only_job_id(world.env)

    everything = await operator.autocomplete("operator job", "id", "")
    by_prefix = await operator.autocomplete("operator job", "id", job_id[:3])
    elsewhere = await operator.autocomplete("operator job", "id", "zz")

    assert [choice["value"] for choice in everything] == [job_id] == [choice["value"] for choice in by_prefix]
    assert everything[0]["name"].startswith(f"{job_id} · flux-2-flash · ")
    assert elsewhere == []


async def test_job_refusals(world: World, settings: Settings, api_key: str) -> None:
    operator = await make_operator(world.env, settings)

    short = await operator.slash("operator job", id="abc12")
    assert reply_of(short) == "❌ `abc12` is too short: give at least the first 6 characters of the job's id."
    assert_refused(world.env, JobRefTooShortError)

    unknown = await operator.slash("operator job", id="0123456789")
    assert reply_of(unknown) == (
        "❌ No job `0123456789` in any server. Give its id, or at least its first 6 characters."
    )
    assert_refused(world.env, UnknownJobError)

    pasted_key = await operator.slash("operator job", id=api_key)
    assert reply_of(pasted_key).startswith(f"❌ No job `{REDACTED}` in any server.")
    assert api_key not in reply_of(pasted_key)
    assert_refused(world.env, UnknownJobError)


# -- with OPERATOR_GUILD_ID (or DEV_GUILD_ID): only in that server, for its administrators ----------


Ops = tuple[simcord.GuildHandle, simcord.ChannelHandle, simcord.RoleHandle]


class TestInTheOperatorServer:
    @pytest.fixture(params=["operator_guild_id", "dev_guild_id"])
    def settings(self, settings: Settings, request: pytest.FixtureRequest) -> Settings:
        return settings.model_copy(update={request.param: OPS_GUILD_ID})

    @pytest.fixture
    def ops(self, world: World) -> Ops:
        guild = world.env.create_guild("Ops", id=OPS_GUILD_ID)
        channel = guild.create_text_channel("console")
        admins = guild.create_role("Operators", permissions=discord.Permissions(administrator=True))
        return guild, channel, admins

    async def test_only_its_administrators_see_it(self, world: World, settings: Settings, ops: Ops) -> None:
        guild, channel, admins = ops
        user = await make_operator(world.env, settings)
        operator = guild.add_member(user, roles=[admins])
        helper = guild.add_member(world.env.create_user("sam"))

        assert commands_in(operator.available_commands(channel)) == OPERATOR_COMMANDS
        assert commands_in(helper.available_commands(channel)) == set()
        assert commands_in(user.available_commands()) == set()  # not in DMs
        assert commands_in(world.admin.available_commands(world.channel)) == set()  # not elsewhere

        result = await operator.slash(channel, "operator servers")
        assert (embed_of(result).title or "").startswith("🗂️ Servers")

    async def test_an_administrator_who_is_not_the_operator_is_refused(
        self, world: World, settings: Settings, ops: Ops
    ) -> None:
        guild, channel, admins = ops
        await make_operator(world.env, settings)
        other = guild.add_member(world.env.create_user("ivy"), roles=[admins])

        result = await other.slash(channel, "operator allowance", server=str(world.guild.id), amount=1)

        assert reply_of(result) == REFUSAL
        simcord.assert_error(world.env, NotOperatorError)
        assert (await bot_of(world.env).services.ledger.guild_status(world.guild.id)).allowance == 5000


def test_operator_guild_setting_falls_back_to_the_dev_guild(settings: Settings) -> None:
    assert settings.operator_guild is None
    assert settings.model_copy(update={"dev_guild_id": 5}).operator_guild == 5
    both = settings.model_copy(update={"dev_guild_id": 5, "operator_guild_id": 6})
    assert both.operator_guild == 6
    # Strings, as the environment gives them (mypy sees the parsed types).
    blank = Settings(_env_file=None, discord_token="t", vivix_api_key="k",  # type: ignore[call-arg,arg-type]
                     operator_guild_id="  ")  # type: ignore[arg-type]
    assert blank.operator_guild_id is None
