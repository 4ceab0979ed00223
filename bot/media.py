"""Fetching a finished job's output files, so results can be posted as attachments that outlive
the API's own links (which expire with its retention window).

Streamed with a size cap and a timeout, and only kept when the content type matches the job's
kind: an image job's outputs must be images, and so on. Anything that does not fit, fails or
looks wrong is simply not fetched: the result is then posted with its link, as before.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

log = logging.getLogger(__name__)

FETCH_TIMEOUT = 30.0  # seconds for one file, all of it
KIND_TYPES = {"image": ("image/",), "video": ("video/",), "audio": ("audio/",)}


@dataclass(frozen=True, slots=True)
class Media:
    filename: str
    content_type: str
    data: bytes


class MediaFetcher:
    """One shared HTTP client for output files; no credentials are ever sent with them."""

    def __init__(self, *, timeout: float = FETCH_TIMEOUT, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.timeout = timeout
        self._http = httpx.AsyncClient(timeout=timeout, follow_redirects=True, transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def fetch_all(self, urls: list[str], category: str, max_bytes: int) -> list[Media] | None:
        """Every output of one job, or None when any does not fit (all are posted the same way)."""
        if category not in KIND_TYPES or not urls:
            return None
        fetched: list[Media] = []
        budget = max_bytes
        for number, url in enumerate(urls, 1):
            media = await self.fetch(url, category, budget, number)
            if media is None:
                return None
            fetched.append(media)
            budget -= len(media.data)
        return fetched

    async def fetch(self, url: str, category: str, max_bytes: int, number: int = 1) -> Media | None:
        try:
            async with asyncio.timeout(self.timeout):
                return await self._stream(url, category, max_bytes, number)
        except (TimeoutError, httpx.HTTPError) as err:
            log.info("Not attaching %s: %s", _safe(url), type(err).__name__)
            return None

    async def _stream(self, url: str, category: str, max_bytes: int, number: int) -> Media | None:
        async with self._http.stream("GET", url) as response:
            if response.status_code != 200:
                log.info("Not attaching %s: HTTP %s", _safe(url), response.status_code)
                return None
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if not content_type.startswith(KIND_TYPES[category]):
                log.info("Not attaching %s: a %s job's output is %r", _safe(url), category, content_type)
                return None
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                return None
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    return None
                chunks.append(chunk)
        return Media(_filename(url, content_type, number), content_type, b"".join(chunks))


def _filename(url: str, content_type: str, number: int) -> str:
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    extension = mimetypes.guess_extension(content_type) or ""
    if not name or "." not in name:
        name = f"result-{number}{extension}"
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:80]


def _safe(url: str) -> str:
    """A URL for the log without its query string (signed links carry tokens there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
