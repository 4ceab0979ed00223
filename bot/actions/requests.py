"""Rebuilding a request from a finished job: pure functions over the job and the live catalog."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..catalog import Catalog
from ..catalog.options import format_options
from ..catalog.schema import find_param
from ..generation import GenerationRequest
from ..jobs import Job
from ..vivix.models import ModelInfo

SEED_MAX = 2**31 - 1
NEARBY = 1000  # a variation's seed is within this many of the original's


class Action(StrEnum):
    REROLL = "reroll"
    VARY = "vary"
    REMIX = "remix"
    UPSCALE = "upscale"
    ANIMATE = "animate"
    RETRY = "retry"
    REFERENCE = "reference"  # an image from any message, via the "Use as reference" message command


@dataclass(frozen=True, slots=True)
class Actor:
    """Who clicked, and where: the new job is theirs, in the channel where they clicked."""

    member_id: int
    guild_id: int
    channel_id: int
    role_ids: tuple[int, ...] = ()
    parent_channel_id: int | None = None  # in a thread: its channel
    age_restricted: bool = False


def takes_references(model: ModelInfo) -> bool:
    return find_param(model, "reference_images") is not None


def upscaler(catalog: Catalog) -> ModelInfo | None:
    """The first ``utility`` model that takes ``reference_images``: what Upscale uses."""
    return next((m for m in catalog.models("utility") if takes_references(m)), None)


def animator(catalog: Catalog) -> ModelInfo | None:
    """The first ``video`` model that takes ``reference_images``: what Animate uses."""
    return next((m for m in catalog.models("video") if takes_references(m)), None)


def nearest_model(catalog: Catalog, category: str, slug: str) -> ModelInfo | None:
    """What to offer when a job's model has left the catalog: the closest slug of its kind."""
    choices = catalog.search(slug, category, limit=1)
    if choices:
        return catalog.get(choices[0].value)
    models = catalog.models(category)
    return models[0] if models else None


def _base(job: Job, actor: Actor, action: Action, params: Mapping[str, object]) -> GenerationRequest:
    return GenerationRequest(
        guild_id=actor.guild_id, channel_id=actor.channel_id, member_id=actor.member_id,
        command=job.command, prompt=job.prompt, category=job.category, model=job.model,
        params=dict(params), role_ids=actor.role_ids, source_job_id=job.id, action=action.value,
        parent_channel_id=actor.parent_channel_id, age_restricted=actor.age_restricted,
    )


def reroll(job: Job, actor: Actor, rng: random.Random) -> GenerationRequest:
    """The same request with a new seed."""
    return _base(job, actor, Action.REROLL, {**job.params, "seed": rng.randint(0, SEED_MAX)})


def vary(job: Job, actor: Actor, rng: random.Random, count: int | None = None) -> GenerationRequest:
    """The same prompt and options with a nearby seed; ``count`` variations where the model makes several."""
    seed = job.request.get("seed")
    base = seed if isinstance(seed, int) else rng.randint(0, SEED_MAX)
    nearby = min(SEED_MAX, max(0, base + rng.choice((-1, 1)) * rng.randint(1, NEARBY)))
    params: dict[str, object] = {**job.params, "seed": nearby}
    if count is not None:
        params["number_results"] = count
    return _base(job, actor, Action.VARY, params)


def retry(job: Job, actor: Actor) -> GenerationRequest:
    """A failed job, asked for again exactly."""
    return _base(job, actor, Action.RETRY, job.params)


def remix_defaults(job: Job) -> tuple[str, str]:
    """The prompt and the ``options`` text a remix starts from: every param but the seed."""
    options = {k: v for k, v in job.params.items() if k not in ("seed", "reference_images")}
    return job.prompt, format_options(options)


def remix(job: Job, actor: Actor, prompt: str, options_text: str | None) -> GenerationRequest:
    """The member's edit of the prompt and options; references are kept, the seed is new."""
    params: dict[str, Any] = {}
    if job.params.get("reference_images"):
        params["reference_images"] = job.params["reference_images"]
    return GenerationRequest(
        guild_id=actor.guild_id, channel_id=actor.channel_id, member_id=actor.member_id,
        command=job.command, prompt=prompt, category=job.category, model=job.model, params=params,
        options_text=options_text or None, role_ids=actor.role_ids,
        parent_channel_id=actor.parent_channel_id, age_restricted=actor.age_restricted, source_job_id=job.id,
        action=Action.REMIX.value,
    )


def from_image(
    job: Job, actor: Actor, action: Action, model: ModelInfo, image_url: str, prompt: str,
    params: Mapping[str, object] | None = None, reference_source: str | None = None,
) -> GenerationRequest:
    """An output image of ``job`` as the reference of a new job on ``model`` (upscale, animate)."""
    return GenerationRequest(
        guild_id=actor.guild_id, channel_id=actor.channel_id, member_id=actor.member_id,
        command="generate", prompt=prompt, category=model.category, model=model.slug,
        params={**(params or {}), "reference_images": [image_url]}, role_ids=actor.role_ids,
        parent_channel_id=actor.parent_channel_id, age_restricted=actor.age_restricted,
        source_job_id=job.id, action=action.value, reference_source=reference_source,
    )


MAX_MODEL_CHOICES = 25  # a select menu's limit


def reference_models(catalog: Catalog, action: Action) -> list[ModelInfo]:
    """The models a message command may send an image to: for Animate, video models that take
    reference images; for Use as reference, image models (a reference is part of every image
    request) and other models that declare reference images (an upscaler, say)."""
    if action is Action.ANIMATE:
        found = [m for m in catalog.models("video") if takes_references(m)]
    else:
        found = [m for m in catalog.models() if m.category == "image" or
                 (m.category not in ("video", "audio") and takes_references(m))]
    return found[:MAX_MODEL_CHOICES]


def with_reference(
    actor: Actor, action: Action, model: ModelInfo, image_url: str, prompt: str, reference_source: str | None = None,
) -> GenerationRequest:
    """A new job on ``model`` with an image from any message as its reference."""
    return GenerationRequest(
        guild_id=actor.guild_id, channel_id=actor.channel_id, member_id=actor.member_id,
        command="generate", prompt=prompt, category=model.category, model=model.slug,
        params={"reference_images": [image_url]}, role_ids=actor.role_ids,
        parent_channel_id=actor.parent_channel_id, age_restricted=actor.age_restricted,
        action=action.value, reference_source=reference_source,
    )
