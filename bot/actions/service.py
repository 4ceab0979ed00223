"""``ResultActions``: what a click on a result's button does, before any Discord rendering.

Every generating action builds a request from the source job and the *live* catalog, then goes
through ``GenerationService.create`` like a command: validated against the model's current
schema, checked, held from the clicker's credits (never the author's), queued. A source whose
model has left the catalog is refused with the nearest model of its kind.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ..catalog import Catalog, estimate_hold
from ..catalog.schema import find_param
from ..clock import Clock
from ..generation import GenerationRequest, GenerationService, Queued
from ..jobs import Job, JobOutcome
from ..store.connections import Transaction
from ..store.database import Database
from ..store.jobs import JobRepository
from ..vivix.models import ModelInfo
from . import requests
from .errors import ModelGoneError, NoSuchActionError, NotYourResultError, SourceGoneError
from .requests import Action, Actor

if TYPE_CHECKING:
    from ..confirmations import AwaitingConfirmation
    from ..moderation.audit import AuditLog

VARIATION_COUNTS = (2, 4)

DeleteHook = Callable[[Transaction, Job, int, datetime], Awaitable[object]]
"""Runs inside the transaction that records a deletion: ``(tx, job, deleted by, at)``."""


@dataclass(frozen=True, slots=True)
class ActionOffer:
    """One button a result offers: the action, which output image (1-based) or how many
    variations, and what it would hold now."""

    action: Action
    cost: int
    index: int | None = None  # the output image, for upscale and animate
    count: int | None = None  # variations, for vary


class ResultActions:
    def __init__(
        self, *, db: Database, jobs: JobRepository, catalog: Catalog, generation: GenerationService, clock: Clock,
        rng: random.Random | None = None, audit: AuditLog | None = None,
    ) -> None:
        self.db = db
        self.jobs = jobs
        self.catalog = catalog
        self.generation = generation
        self.clock = clock
        self.rng = rng or random.Random()
        self.delete_hooks: list[DeleteHook] = []  # e.g. a contest disqualifying the entry
        self.audit = audit

    # -- what a result offers -----------------------------------------------------------

    def offers(self, job: Job) -> list[ActionOffer]:
        """The buttons of a posted result, with the cost each would hold right now."""
        model = self.catalog.get(job.model)
        if job.outcome is JobOutcome.FAILED:
            return [ActionOffer(Action.RETRY, self._cost(model, job.params))] if model else []
        if job.outcome is not JobOutcome.COMPLETED or model is None:
            return []
        offers = [ActionOffer(Action.REROLL, self._cost(model, job.params))]
        if find_param(model, "number_results") is not None:
            offers += [ActionOffer(Action.VARY, self._cost(model, {**job.params, "number_results": n}), count=n)
                       for n in VARIATION_COUNTS]
        else:
            offers.append(ActionOffer(Action.VARY, self._cost(model, job.params)))
        offers.append(ActionOffer(Action.REMIX, self._cost(model, job.params)))
        if job.category == "image":
            images = job.output_urls
            for action, target in ((Action.UPSCALE, requests.upscaler(self.catalog)),
                                   (Action.ANIMATE, requests.animator(self.catalog))):
                if target is not None:
                    cost = self._cost(target, {"reference_images": [""]})
                    offers += [ActionOffer(action, cost, index=n) for n in range(1, min(len(images), 4) + 1)]
        return offers

    @staticmethod
    def _cost(model: ModelInfo | None, params: dict[str, object]) -> int:
        return estimate_hold(model, params) if model is not None else 0

    # -- starting one -------------------------------------------------------------------

    async def source(self, job_id: str) -> Job:
        """The job a button points at; refused when it was deleted."""
        async with self.db.read() as conn:
            job = await self.jobs.get(conn, job_id)
        if job is None or job.deleted_by is not None:
            raise SourceGoneError(deleted=job is not None)
        return job

    async def start(
        self, action: Action, job_id: str, actor: Actor, *, index: int | None = None, count: int | None = None,
        prompt: str | None = None, options_text: str | None = None, duration: int | None = None,
        image_url: str | None = None, reference_source: str | None = None,
    ) -> Queued | AwaitingConfirmation:
        """Build the request for ``action`` on ``job_id`` and create the job for ``actor``.
        ``image_url``: the chosen image as posted, preferred over the API's (expiring) link."""
        job = await self.source(job_id)
        return await self.generation.create(self.request(
            action, job, actor, index=index, count=count, prompt=prompt, options_text=options_text,
            duration=duration, image_url=image_url, reference_source=reference_source,
        ))

    def request(
        self, action: Action, job: Job, actor: Actor, *, index: int | None = None, count: int | None = None,
        prompt: str | None = None, options_text: str | None = None, duration: int | None = None,
        image_url: str | None = None, reference_source: str | None = None,
    ) -> GenerationRequest:
        if action in (Action.UPSCALE, Action.ANIMATE):
            return self._from_image(action, job, actor, index, prompt, duration, image_url, reference_source)
        if self.catalog.get(job.model) is None:
            nearest = requests.nearest_model(self.catalog, job.category, job.model)
            raise ModelGoneError(job.model, nearest.slug if nearest else None)
        if action is Action.REROLL:
            return requests.reroll(job, actor, self.rng)
        if action is Action.VARY:
            return requests.vary(job, actor, self.rng, count)
        if action is Action.RETRY:
            return requests.retry(job, actor)
        if action is Action.REMIX:
            return requests.remix(job, actor, prompt if prompt is not None else job.prompt, options_text)
        raise NoSuchActionError("That button does nothing any more.")

    def _from_image(
        self, action: Action, job: Job, actor: Actor, index: int | None, prompt: str | None, duration: int | None,
        image_url: str | None, reference_source: str | None,
    ) -> GenerationRequest:
        images = job.output_urls
        if job.category != "image" or index is None or not 1 <= index <= len(images):
            raise NoSuchActionError("That image is not part of this result.")
        target = requests.upscaler(self.catalog) if action is Action.UPSCALE else requests.animator(self.catalog)
        if target is None:
            kind = "upscale" if action is Action.UPSCALE else "animate"
            raise NoSuchActionError(f"The generation service offers no model that can {kind} an image now.")
        params: dict[str, object] = {"duration": duration} if duration is not None else {}
        return requests.from_image(job, actor, action, target, image_url or images[index - 1],
                                   prompt or (job.prompt if action is Action.UPSCALE else ""), params,
                                   reference_source if image_url else None)

    def reference_choices(self, action: Action) -> list[tuple[ModelInfo, int]]:
        """The models a message command offers, with what one image request on each holds."""
        models = requests.reference_models(self.catalog, action)
        if not models:
            what = "animate" if action is Action.ANIMATE else "take a reference image"
            raise NoSuchActionError(f"The generation service offers no model that can {what} now.")
        return [(model, self._cost(model, {})) for model in models]

    async def start_with_reference(
        self, action: Action, actor: Actor, slug: str, image_url: str, prompt: str, reference_source: str | None = None,
    ) -> Queued | AwaitingConfirmation:
        """A message command's form: the chosen model, with the message's image as its reference."""
        model = self.catalog.get(slug)
        if model is None:
            raise ModelGoneError(slug, None)
        return await self.generation.create(
            requests.with_reference(actor, action, model, image_url, prompt, reference_source)
        )

    def remix_defaults(self, job: Job) -> tuple[str, str]:
        return requests.remix_defaults(job)

    def animator(self) -> ModelInfo | None:
        return requests.animator(self.catalog)

    # -- deleting -----------------------------------------------------------------------

    async def delete(self, job_id: str, by: int, *, may_manage: bool) -> Job:
        """Record who deleted a posted result: its author, or someone who may manage messages.
        The ledger stays as it is: what was spent stays spent."""
        job = await self.source(job_id)
        if by != job.member_id and not may_manage:
            raise NotYourResultError()
        at = self.clock()
        async with self.db.transaction() as tx:
            await self.jobs.mark_deleted(tx, job.id, by=by, at=at)
            for hook in self.delete_hooks:
                await hook(tx, job, by, at)
        if self.audit is not None:
            await self.audit.result_deleted(job, by)
        return job

