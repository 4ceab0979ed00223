"""SHARD_COUNT and SHARD_IDS give each process its share of the gateway (no network: the bots are only built)."""

from __future__ import annotations

import discord
import pytest

from bot import create_bot
from bot.client import ShardedVivixBot, VivixBot
from bot.config import ConfigError, load_settings
from bot.logs import redact

BASE = {"discord_token": "t0ken-value", "vivix_api_key": "vvx_live_secret", "_env_file": None}


def test_without_shard_settings_the_bot_is_one_plain_client() -> None:
    bot = create_bot(load_settings(**BASE))
    assert type(bot) is VivixBot
    assert bot.shard_id is None and bot.shard_count is None


def test_one_shard_of_several_runs_on_a_plain_client() -> None:
    bot = create_bot(load_settings(**BASE, shard_count="4", shard_ids="2"))
    assert type(bot) is VivixBot
    assert (bot.shard_id, bot.shard_count) == (2, 4)


def test_several_shards_in_one_process_run_on_an_auto_sharded_client() -> None:
    bot = create_bot(load_settings(**BASE, shard_count="4", shard_ids="0, 1"))
    assert isinstance(bot, ShardedVivixBot) and isinstance(bot, discord.AutoShardedClient)
    assert (bot.shard_ids, bot.shard_count) == ([0, 1], 4)


@pytest.mark.parametrize(("extra", "message"), [
    ({"shard_ids": "0,1"}, "SHARD_IDS needs SHARD_COUNT"),
    ({"shard_ids": "0,4", "shard_count": "4"}, "SHARD_IDS must be numbers below SHARD_COUNT (4)"),
    ({"shard_ids": "zero", "shard_count": "4"}, "SHARD_IDS must be a comma-separated list of shard numbers"),
    ({"shard_count": "0"}, "SHARD_COUNT"),
])
def test_bad_shard_settings_are_named_in_one_line(extra: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(**BASE, **extra)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_database_password_is_never_logged_nor_echoed() -> None:
    url = "postgresql://vivix:hunter2-db-pw@db.example:5432/vivix"
    create_bot(load_settings(**BASE, database_url=url))
    assert "hunter2-db-pw" not in redact(f"connecting to {url}")
    with pytest.raises(ConfigError) as caught:
        load_settings(**BASE, database_url="mysql://vivix:hunter2-db-pw@db/vivix")
    assert "hunter2-db-pw" not in str(caught.value) and "DATABASE_URL" in str(caught.value)
