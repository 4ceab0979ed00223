"""One generation as the sandbox runs it (the bot's own record of a job is ``bot.jobs.Job``).

Its status is derived from the clock when asked, never stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.sandbox.catalog import SandboxModel

FAILURE_MESSAGE = "Underlying model returned an error."


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SandboxGeneration:
    id: str
    key: str
    model: SandboxModel
    params: dict[str, Any]
    estimate: int
    used: int
    """The charge on completion (the estimate is held until then)."""
    created: float
    """Clock reading at submit."""
    created_at: datetime
    pending_s: float
    """Seconds spent ``pending`` before ``processing`` starts."""
    end_s: float
    """Seconds from submit to ``completed`` or ``failed``."""
    fails: bool
    error: str = "PROVIDER_ERROR"
    """The ``error`` code a failed generation reports."""
    error_message: str = FAILURE_MESSAGE
    settled: bool = False
    """Whether the hold has been settled (refund of the difference, or all of it)."""

    @property
    def outputs(self) -> int:
        return int(self.params.get("number_results", 1))

    def status(self, now: float) -> str:
        elapsed = now - self.created
        if elapsed >= self.end_s:
            return "failed" if self.fails else "completed"
        return "pending" if elapsed < self.pending_s else "processing"

    def seconds_left(self, now: float) -> float:
        """Seconds until terminal (0 when it already is). A clock advanced by exactly this
        much lands on the end, never a float rounding error short of it."""
        wait = max(0.0, self.created + self.end_s - now)
        while now + wait - self.created < self.end_s:
            wait = math.nextafter(wait, math.inf)
        return wait

    def file_names(self) -> list[str]:
        return [f"{self.id}-{n}.{self.model.extension}" for n in range(1, self.outputs + 1)]

    def created_body(self) -> dict[str, Any]:
        """The 201 answer of POST /generate."""
        return {
            "generation_id": self.id,
            "status": "pending",
            "model": self.model.slug,
            "credits_estimate": self.estimate,
            "created_at": iso(self.created_at),
        }

    def status_body(self, now: float, files_url: str) -> dict[str, Any]:
        """The answer of GET /generations/{id}; ``files_url`` is the base of output URLs."""
        status = self.status(now)
        body: dict[str, Any] = {
            "generation_id": self.id,
            "status": status,
            "model": self.model.slug,
            "credits_estimate": self.estimate,
            "created_at": iso(self.created_at),
        }
        if status in ("pending", "processing"):
            body["elapsed_ms"] = int((now - self.created) * 1000)
            return body
        completed_at = iso(self.created_at + timedelta(seconds=self.end_s))
        if status == "failed":
            body.update(error=self.error, message=self.error_message, credits_used=0)
        else:
            urls = [f"{files_url}/{name}" for name in self.file_names()]
            body.update(
                output_url=urls[0],
                output_urls=urls,
                credits_used=self.used,
                duration_ms=int(self.end_s * 1000),
            )
        body["completed_at"] = completed_at
        return body
