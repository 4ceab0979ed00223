"""``/operator job``: one job's whole record for the operator, in one embed within Discord's
limits (field values 1,024 characters, 6,000 in all). The API's own error text is shown here
and nowhere else a member could see it; everything still passes the secret filter."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import discord

from ..errors import clip
from ..jobs import Job, JobOutcome
from ..ledger import LedgerEntry
from ..ops.job_record import JobRecord
from .embeds import BRAND
from .redaction import redact_embed

FIELD_LIMIT = 1024
EMBED_LIMIT = 6000
DESCRIPTION_LIMIT = 4096
REQUEST_ROOM = 2000  # the request's share of the embed, at most
MIN_REQUEST_ROOM = 600  # ...and at least: other fields are cut to leave it
MIN_FIELD_KEPT = 200
FENCE_OPEN, FENCE_CLOSE = "```json\n", "\n```"
SHORTEN_STEPS = (400, 200, 120, 80, 48, 24)  # characters kept of each long string, tried in turn


def job_record_embed(record: JobRecord, server: str | None) -> discord.Embed:
    job = record.job
    embed = discord.Embed(title=f"🔎 Job {job.id}", colour=_colour(job))
    embed.add_field(name="Status", value=_status(job))
    embed.add_field(name="Model", value=_value(f"`{job.model}` ({job.category}) · /{job.command}"))
    embed.add_field(name="Credits", value=_credits(job))
    embed.add_field(name="Where", value=_where(job, server), inline=False)
    embed.add_field(name="Generation ids", value=_generations(job), inline=False)
    if job.error_code or job.error_message:
        embed.add_field(name="API error (operator only)", value=_api_error(job), inline=False)
    outputs = job.output_urls
    if outputs:
        embed.add_field(name=f"Output ({len(outputs)})", value=_lines(outputs), inline=False)
    embed.add_field(name="Timings (UTC)", value=_timings(job), inline=False)
    embed.add_field(name="Delivery", value=_delivery(job), inline=False)
    embed.add_field(name=f"Ledger ({len(record.entries)} rows)", value=_ledger(record.entries), inline=False)
    embed.set_footer(text="Operator view: the API's own text is shown here only.")
    _fit_fields(embed, reserve=MIN_REQUEST_ROOM)
    room = min(REQUEST_ROOM, DESCRIPTION_LIMIT, EMBED_LIMIT - len(embed))
    embed.description = request_block(job.request, room)
    return redact_embed(embed)


def _fit_fields(embed: discord.Embed, *, reserve: int) -> None:
    """Cut the longest field values until ``reserve`` characters are left for the request."""
    while len(embed) + reserve > EMBED_LIMIT:
        index, longest = max(enumerate(embed.fields), key=lambda pair: len(pair[1].value or ""))
        value = longest.value or ""
        excess = len(embed) + reserve - EMBED_LIMIT
        keep = max(MIN_FIELD_KEPT, len(value) - excess)
        if keep >= len(value):
            return  # nothing left worth cutting
        embed.set_field_at(index, name=longest.name or "", value=clip_block(value, keep), inline=bool(longest.inline))


def request_block(request: dict[str, Any], room: int) -> str:
    """The stored request as a JSON code block of at most ``room`` characters: long strings
    (a prompt) and lists are shortened first, saying by how much, before the text is cut."""
    budget = room - len(FENCE_OPEN) - len(FENCE_CLOSE)
    text = _dump(request)
    for keep in SHORTEN_STEPS:
        if len(text) <= budget:
            break
        text = _dump(_shorten(request, keep))
    if len(text) > budget:
        text = text[: max(0, budget - 1)] + "…"
    return f"{FENCE_OPEN}{text}{FENCE_CLOSE}"


def _dump(data: Any) -> str:
    # A ``` inside a prompt would end the code block early.
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False, default=str)
    return text.replace("```", "`\u200b``")


def _shorten(data: Any, keep: int) -> Any:
    if isinstance(data, str) and len(data) > keep:
        return f"{data[:keep]}… (+{len(data) - keep} chars)"
    if isinstance(data, list):
        items = [_shorten(item, keep) for item in data[:5]]
        return [*items, f"… (+{len(data) - 5} more)"] if len(data) > 5 else items
    if isinstance(data, dict):
        return {key: _shorten(value, keep) for key, value in data.items()}
    return data


def _value(text: str) -> str:
    return clip_block(text, FIELD_LIMIT)


def clip_block(text: str, limit: int) -> str:
    """Multi-line text cut to ``limit`` characters (``clip`` would fold it onto one line)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _lines(lines: Sequence[str], more: str = "…and {} more") -> str:
    """As many whole lines as fit one field, then how many were left out."""
    shown: list[str] = []
    for index, line in enumerate(lines):
        tail = more.format(len(lines) - index)
        if sum(len(x) + 1 for x in shown) + len(line) + len(tail) + 1 > FIELD_LIMIT:
            shown.append(tail)
            break
        shown.append(line)
    return "\n".join(shown) or "—"


def _status(job: Job) -> str:
    text = f"**{job.status.value}**" + (f" · {job.outcome.value}" if job.outcome else "")
    if job.cancelled_by is not None:
        text += f"\ncancelled by <@{job.cancelled_by}>"
    return text


def _credits(job: Job) -> str:
    def shown(value: int | None) -> str:
        return f"**{value:,}**" if value is not None else "—"

    return f"held {shown(job.held)}\nestimate {shown(job.credits_estimate)}\nused {shown(job.credits_used)}"


def _where(job: Job, server: str | None) -> str:
    name = discord.utils.escape_markdown(clip(server, 60)) if server else "*(the bot is not in it)*"
    return _value(
        f"server **{name}** `{job.guild_id}`\nchannel <#{job.channel_id}> `{job.channel_id}`\n"
        f"member <@{job.member_id}> `{job.member_id}`"
    )


def generation_ids(job: Job) -> list[str]:
    """Every generation the API made for the job: ``generation_ids`` when the job keeps a list
    of attempts, else its one ``generation_id``."""
    many = getattr(job, "generation_ids", None)
    if many is not None:
        return [str(g) for g in many]
    return [job.generation_id] if job.generation_id else []


def _generations(job: Job) -> str:
    ids = [f"`{g}`" for g in generation_ids(job)] or ["none: the API never accepted it"]
    ids.append(f"-# idempotency key `{job.idempotency_key}` · {job.attempts} submit(s) · {job.polls} poll(s)")
    return _lines(ids)


def _api_error(job: Job) -> str:
    code = f"`{clip(job.error_code, 60)}`" if job.error_code else "(no code)"
    if not job.error_message:
        return code
    message = job.error_message.replace("```", "`\u200b``")
    room = FIELD_LIMIT - len(code) - len("\n```\n\n```")
    return f"{code}\n```\n{clip_block(message, room)}\n```"


def _at(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment is not None else "—"


def span(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _since(moment: datetime | None, before: datetime | None, what: str) -> str:
    if moment is None or before is None:
        return ""
    return f" (+{span((moment - before).total_seconds())} {what})"


def _timings(job: Job) -> str:
    last = job.delivered_at or job.finished_at
    lines = [
        f"created `{_at(job.created_at)}`",
        f"submitted `{_at(job.submitted_at)}`{_since(job.submitted_at, job.created_at, 'waiting')}",
        f"finished `{_at(job.finished_at)}`{_since(job.finished_at, job.submitted_at, 'rendering')}",
        f"delivered `{_at(job.delivered_at)}`{_since(job.delivered_at, job.finished_at, 'posting')}",
    ]
    if last is not None:
        lines.append(f"total **{span((last - job.created_at).total_seconds())}**")
    return _value("\n".join(lines))


def _delivery(job: Job) -> str:
    via = job.delivered_via or "not yet"
    lines = [f"via **{via}**"]
    if job.result_message_id is not None:
        where = "@me" if job.delivered_via == "dm" else str(job.guild_id)
        link = f"https://discord.com/channels/{where}/{job.channel_id}/{job.result_message_id}"
        lines.append(f"result message `{job.result_message_id}`" + (f" · [jump]({link})" if where != "@me" else ""))
    if job.status_message_id is not None:
        lines.append(f"status message `{job.status_message_id}`")
    return _value("\n".join(lines))


def _ledger(entries: Sequence[LedgerEntry]) -> str:
    lines = [
        f"`#{e.id}` {e.kind} **{e.amount:+,}** · cycle {e.cycle_no} · by "
        f"{e.actor if not e.actor.isdigit() else f'<@{e.actor}>'} · {clip(e.reason, 60)} · `{_at(e.created_at)}`"
        for e in entries
    ]
    return _lines(lines, "…and {} more rows") if lines else "none"


def _colour(job: Job) -> discord.Colour:
    if job.outcome is JobOutcome.COMPLETED:
        return discord.Colour.green()
    if job.outcome is JobOutcome.FAILED:
        return discord.Colour.red()
    return BRAND
