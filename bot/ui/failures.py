"""Why a job failed, in words a member understands. The service's own text stays in the job
record, the log and the operator's view; a member sees a sentence chosen by the error code."""

from __future__ import annotations

from ..errors import clip
from ..jobs import Job

FAILURES: dict[str, str] = {
    "INSUFFICIENT_CREDITS": "The bot's API wallet is empty; the operator has been told.",
    "MODEL_NOT_ALLOWED": "This model is not available to the bot's API key.",
    "KEY_INVALID": "The bot's API key was refused; the operator must fix it.",
    "TIER_LOCKED": "The bot's API plan does not include API access.",
    "NOT_FOUND": "The generation service lost track of this job.",
    "NOT_YOURS": "The generation belongs to another account.",
    "PROVIDER_ERROR": "The model's provider returned an error.",
    "CONTENT_FILTERED": "The service's content filter stopped this generation.",
    "TIMEOUT": "The generation took too long at the service.",
    "FAILED": "The generation failed at the service.",
}


def failure_sentence(job: Job) -> str:
    code = job.error_code or "FAILED"
    if code == "INVALID_PARAMS":
        return f"The service refused the request ({clip(job.error_message or 'invalid parameters', 200)})."
    return FAILURES.get(code, f"The service reported `{clip(code, 40)}`.")
