"""What a result message is made of: its text, embeds and, when they fit, the output files
themselves, so the post keeps working after the API's links expire."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import discord

from ..jobs import Job, JobOutcome
from ..logs import redact
from ..media import Media, MediaFetcher
from .embeds import result_content, result_embeds
from .redaction import redact_embeds

DM_UPLOAD_LIMIT = 10 * 1024 * 1024  # what any Discord user may upload; a DM has no server limit to read


@dataclass
class ResultPost:
    content: str
    embeds: list[discord.Embed]
    files: list[discord.File] = field(default_factory=list)


async def compose_result(job: Job, model_name: str, fetcher: MediaFetcher, max_bytes: int) -> ResultPost:
    """Attach the outputs when all of them fit within ``max_bytes`` together; else post their links."""
    media = None
    if job.outcome is JobOutcome.COMPLETED and max_bytes > 0:
        media = await fetcher.fetch_all(job.output_urls, job.category, max_bytes)
    names = [m.filename for m in media] if media else None
    if job.spoiler:
        return _spoiler_post(job, model_name, media)
    post = ResultPost(
        redact(result_content(job, attached=media is not None)),
        redact_embeds(result_embeds(job, model_name, attachments=names)),
    )
    for item in media or []:
        post.files.append(discord.File(io.BytesIO(item.data), filename=item.filename))
    return post


def _spoiler_post(job: Job, model_name: str, media: list[Media] | None) -> ResultPost:
    """A result the server's sensitive mode hides: files marked as spoilers, links inside ``||``,
    and no image in the embed (Discord cannot hide an embed's image); the prompt is hidden too."""
    content = result_content(job, attached=True)
    if job.outcome is JobOutcome.COMPLETED:
        content += " It is hidden as a spoiler (this server's rule for sensitive requests): click to see it."
        if media is None:
            content += "\n" + ("\n".join(f"||{url}||" for url in job.output_urls) or "(the service returned no file)")
    summary = result_embeds(job, model_name)[0]
    summary.set_image(url=None)
    summary.url = None
    post = ResultPost(redact(content), redact_embeds([summary]))
    for item in media or []:
        post.files.append(discord.File(io.BytesIO(item.data), filename=item.filename, spoiler=True))
    return post


def upload_limit(channel: object, configured: int) -> int:
    """The most a result may attach in ``channel``: the server's upload limit, capped by MEDIA_MAX_BYTES."""
    guild = getattr(channel, "guild", None)
    limit = guild.filesize_limit if isinstance(guild, discord.Guild) else DM_UPLOAD_LIMIT
    return min(limit, configured)
