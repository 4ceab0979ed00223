"""Preferences kept in SQLite: a member's and the server's, set, read back, removed; what a job gets."""

from __future__ import annotations

import pytest

from bot.catalog import Catalog
from bot.generation import GenerationRequest
from bot.store import Database
from bot.workspace.errors import BadPreferenceValueError, PreferenceNotSetError
from bot.workspace.preferences import Preferences

from .conftest import T0

GUILD, ALICE, BOB, ADMIN = 10, 1, 2, 3


def _request(member: int) -> GenerationRequest:
    return GenerationRequest(guild_id=GUILD, channel_id=5, member_id=member, command="imagine", prompt="a fox",
                             category="image", params={"aspect_ratio": None})


async def test_set_read_unset_and_clear(db: Database, catalog: Catalog) -> None:
    prefs = Preferences(db=db, catalog=catalog, clock=lambda: T0)
    assert await prefs.set(GUILD, ALICE, "Aspect-Ratio", "16:9", by=ALICE) == ("aspect_ratio", "16:9")
    await prefs.set(GUILD, ALICE, "negative_prompt", "blurry", by=ALICE)
    await prefs.set(GUILD, None, "aspect_ratio", "9:16", by=ADMIN)
    await prefs.set(GUILD, ALICE, "aspect_ratio", "1:1", by=ALICE)  # replaces

    found = await prefs.of(GUILD, ALICE)
    assert found.values() == {"aspect_ratio": "1:1", "negative_prompt": "blurry"}
    assert found.values(server=True) == {"aspect_ratio": "9:16"}
    assert found.server["aspect_ratio"].updated_by == ADMIN
    assert (await prefs.of(GUILD, BOB)).values() == {}
    assert (await prefs.of(GUILD + 1, ALICE)).values(server=True) == {}

    assert await prefs.unset(GUILD, ALICE, "aspect-ratio") == "aspect_ratio"
    with pytest.raises(PreferenceNotSetError) as refused:
        await prefs.unset(GUILD, ALICE, "aspect_ratio")
    assert refused.value.message == "❌ You have no preference `aspect_ratio`. Nothing was changed."
    assert await prefs.clear(GUILD, ALICE) == 1
    assert (await prefs.of(GUILD, ALICE)).values() == {}
    assert (await prefs.of(GUILD, ALICE)).values(server=True) == {"aspect_ratio": "9:16"}  # clear is the member's


async def test_a_refused_value_stores_nothing(db: Database, catalog: Catalog) -> None:
    prefs = Preferences(db=db, catalog=catalog, clock=lambda: T0)
    with pytest.raises(BadPreferenceValueError):
        await prefs.set(GUILD, ALICE, "aspect_ratio", "2:1", by=ALICE)
    assert (await prefs.of(GUILD, ALICE)).values() == {}


async def test_a_job_reads_what_is_stored_now(db: Database, catalog: Catalog) -> None:
    prefs = Preferences(db=db, catalog=catalog, clock=lambda: T0)
    await prefs.set(GUILD, None, "aspect_ratio", "9:16", by=ADMIN)
    await prefs.set(GUILD, BOB, "aspect_ratio", "16:9", by=BOB)
    assert (await prefs.fill(_request(ALICE)))[0].params["aspect_ratio"] == "9:16"
    assert (await prefs.fill(_request(BOB)))[0].params["aspect_ratio"] == "16:9"
    await prefs.unset(GUILD, BOB, "aspect_ratio")
    assert (await prefs.fill(_request(BOB)))[0].params["aspect_ratio"] == "9:16"


async def test_unset_choices_list_what_is_set(db: Database, catalog: Catalog) -> None:
    prefs = Preferences(db=db, catalog=catalog, clock=lambda: T0)
    await prefs.set(GUILD, ALICE, "aspect_ratio", "16:9", by=ALICE)
    await prefs.set(GUILD, None, "resolution", "4K", by=ADMIN)
    assert [(c.value, c.label) for c in await prefs.set_choices(GUILD, ALICE, "")] == [
        ("aspect_ratio", "aspect_ratio = 16:9")]
    assert [c.value for c in await prefs.set_choices(GUILD, None, "res")] == ["resolution"]
