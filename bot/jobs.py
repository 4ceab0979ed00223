"""A generation job as the bot keeps it: request, API answers, cost, delivery."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class JobStatus(StrEnum):
    QUEUED = "queued"  # credits held, waiting for a slot under the key's limits
    SUBMITTING = "submitting"  # claimed by the dispatcher, POST /generate under way: not cancellable
    RUNNING = "running"  # accepted by the API (generation_id known), being polled
    FINISHED = "finished"  # terminal, ledger settled or released, not yet delivered
    DELIVERED = "delivered"  # result or failure told to the member: nothing left to do


def new_idempotency_key() -> str:
    """A fresh key for one submit attempt; a retry with it returns the same generation."""
    return f"vxb-{uuid.uuid4().hex}"


class JobOutcome(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    guild_id: int
    channel_id: int
    member_id: int
    command: str
    model: str
    category: str
    request: dict[str, Any]
    idempotency_key: str
    held: int
    status: JobStatus
    created_at: datetime
    outcome: JobOutcome | None = None
    generation_id: str | None = None
    credits_estimate: int | None = None
    credits_used: int | None = None
    result: dict[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None
    status_message_id: int | None = None
    result_message_id: int | None = None
    delivered_via: str | None = None
    attempts: int = 0
    polls: int = 0
    submitted_at: datetime | None = None
    finished_at: datetime | None = None
    post_started_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_by: int | None = None  # who cancelled it; set while a rendering job runs out
    retries: int = 0  # automatic resubmits after a transient failure (at most one)
    earlier_attempts: tuple[dict[str, Any], ...] = ()  # generations before the current one, oldest first
    source_job_id: str | None = None  # the job whose result this one was made from (a result action)
    action: str | None = None  # reroll | vary | remix | upscale | animate | retry | reference
    deleted_by: int | None = None  # who deleted the posted result (the ledger is untouched)
    deleted_at: datetime | None = None
    reference_source: str | None = None  # "<channel>:<message>:<n>": where its reference image was posted
    spoiler: bool = False  # the server's sensitive mode: post the result as a spoiler

    @property
    def prompt(self) -> str:
        return str(self.request.get("prompt", ""))

    @property
    def params(self) -> dict[str, Any]:
        """The request without model and prompt."""
        return {k: v for k, v in self.request.items() if k not in ("model", "prompt")}

    @property
    def output_urls(self) -> list[str]:
        result = self.result or {}
        urls: list[str] = []
        for url in [result.get("output_url"), *(result.get("output_urls") or [])]:
            if isinstance(url, str) and url and url not in urls:
                urls.append(url)
        return urls

    @property
    def generation_ids(self) -> list[str]:
        """Every generation this job made at the API, oldest first."""
        ids = [str(a["generation_id"]) for a in self.earlier_attempts if a.get("generation_id")]
        return [*ids, self.generation_id] if self.generation_id else ids

    @property
    def short_id(self) -> str:
        return self.id[:8]
