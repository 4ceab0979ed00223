"""/operator job's embed stays within Discord's limits however large the record is."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import discord

from bot.jobs import Job, JobOutcome, JobStatus
from bot.ops.job_record import JobRecord
from bot.store.ledger_entries import LedgerEntry
from bot.ui.operator_job import generation_ids, job_record_embed, request_block

AT = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)


def job(**changes: object) -> Job:
    base = Job(
        id="f" * 32, guild_id=1, channel_id=2, member_id=3, command="generate", model="kling-3-video",
        category="video", request={"model": "kling-3-video", "prompt": "p"}, idempotency_key="vxb-k", held=1400,
        status=JobStatus.DELIVERED, created_at=AT, outcome=JobOutcome.FAILED, generation_id="g-1",
        submitted_at=AT + timedelta(seconds=3), finished_at=AT + timedelta(minutes=2, seconds=5),
        delivered_at=AT + timedelta(minutes=2, seconds=6), delivered_via="dm", result_message_id=9,
    )
    return Job(**{**{name: getattr(base, name) for name in Job.__dataclass_fields__}, **changes})


@dataclass(frozen=True, slots=True)
class RetriedJob(Job):
    """A job as a later change keeps it: every generation attempt."""

    generation_ids: list[str] = field(default_factory=list)


def entry(number: int) -> LedgerEntry:
    return LedgerEntry(number, 1, 3, "f" * 32, "hold", 1400, "kling-3-video", 1, "3", "held for job " * 5, AT)


def assert_within_limits(embed: discord.Embed) -> None:
    assert len(embed) <= 6000
    assert len(embed.description or "") <= 4096
    assert all(len(f.value or "") <= 1024 for f in embed.fields)


def test_a_huge_record_is_cut_to_fit_and_keeps_its_request() -> None:
    huge = job(
        model="m" * 1500,  # the API's slugs are its own: nothing bounds them
        request={"model": "kling-3-video", "prompt": "x" * 2000, "negative_prompt": "y" * 500,
                 "reference_images": [f"https://cdn.example/{i}/" + "z" * 150 for i in range(8)]},
        error_code="PROVIDER_ERROR", error_message="e" * 5000,
        result={"output_urls": [f"https://cdn.example/out/{i}/" + "o" * 180 for i in range(10)]},
    )

    retried = RetriedJob(**{name: getattr(huge, name) for name in Job.__dataclass_fields__},
                         generation_ids=[f"{n:04d}-" + "g" * 40 for n in range(40)])

    embed = job_record_embed(JobRecord(retried, [entry(n) for n in range(60)]), "M" * 100)

    assert_within_limits(embed)
    description = embed.description or ""
    assert len(embed) - len(description) <= 6000 - 600  # the longest fields were cut to leave the request 600
    assert len(description) > 400
    assert description.startswith("```json\n") and description.endswith("\n```")
    assert '"model": "kling-3-video"' in description and "… (+" in description
    fields = {f.name: f.value or "" for f in embed.fields}
    assert fields["API error (operator only)"].startswith("`PROVIDER_ERROR`\n```\neee")
    assert "…and " in fields["Ledger (60 rows)"]


def test_request_block_shortens_strings_before_cutting() -> None:
    request = {"model": "m", "prompt": "a" * 1000, "seed": 5}

    block = request_block(request, 300)

    assert len(block) <= 300
    body = json.loads(block.removeprefix("```json\n").removesuffix("\n```"))
    assert body["seed"] == 5 and body["prompt"] == "a" * 200 + "… (+800 chars)"
    assert request_block({"prompt": "```evil```"}, 300).count("```") == 2  # a prompt cannot close the block


def test_every_generation_attempt_is_listed_when_the_job_keeps_them() -> None:
    one = job()
    retried = RetriedJob(**{name: getattr(one, name) for name in Job.__dataclass_fields__},
                         generation_ids=["g-1", "g-2"])

    assert generation_ids(one) == ["g-1"]
    assert generation_ids(job(generation_id=None)) == []
    assert generation_ids(retried) == ["g-1", "g-2"]
    fields = {f.name: f.value for f in job_record_embed(JobRecord(retried, []), None).fields}
    assert (fields["Generation ids"] or "").startswith("`g-1`\n`g-2`\n-# idempotency key `vxb-k`")
    assert fields["Timings (UTC)"] == (
        "created `2026-05-10 12:00:00`\nsubmitted `2026-05-10 12:00:03` (+3.0 s waiting)\n"
        "finished `2026-05-10 12:02:05` (+2 min 02 s rendering)\ndelivered `2026-05-10 12:02:06` (+1.0 s posting)\n"
        "total **2 min 06 s**"
    )
    assert fields["Delivery"] == "via **dm**\nresult message `9`"
    assert fields["Ledger (0 rows)"] == "none"
