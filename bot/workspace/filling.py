"""Filling the options a member left empty from their preferences, then the server's defaults.

A pure function over the request, the live catalog and the two sets of preferences. What the
member gave (an option, or a name in the ``options`` text) always wins; a preference the chosen
model does not take, or takes with other values, is left out with a note for the member. Server
defaults are meant for many models at once, so one that does not fit is left out without a note.
Result actions (re-roll, vary, remix, ...) rebuild a finished request as it was: nothing is filled.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace

from ..catalog import Catalog, ParamValidationError, parse_options
from ..catalog.schema import find_param, normalize_name
from ..catalog.validation import check_value
from ..errors import clip
from ..generation import GenerationRequest
from ..vivix.models import ModelInfo
from .names import category_of, model_key

log = logging.getLogger(__name__)


def fill_request(
    request: GenerationRequest, catalog: Catalog, mine: Mapping[str, str], server: Mapping[str, str]
) -> tuple[GenerationRequest, tuple[str, ...]]:
    """The request with empty options filled (member over server over the model's own defaults),
    and the notes on the member's preferences that were left out."""
    if request.source_job_id is not None or not (mine or server):
        return request, ()
    notes: list[str] = []
    slug = request.model or _preferred_model(request.category, catalog, mine, server, notes)
    model = _model(catalog, slug, request.category)
    if model is None:  # no such model, or no default: prepare() refuses it with the reason
        return replace(request, model=slug), tuple(notes)
    given = _given(request)
    params: dict[str, object] = dict(request.params)
    for name, (value, by_member) in sorted(_merged(mine, server).items()):
        if category_of(name) is not None or name in given:
            continue
        found = find_param(model, name)
        if found is None:
            if by_member:
                notes.append(f"Your `{name}` was not used: {model.display_name} has no such option.")
            continue
        key, spec = found
        try:
            check_value(key, value, spec)
        except ParamValidationError as err:
            if by_member:
                allowed = f" ({clip(', '.join(err.allowed), 120)})" if err.allowed else ""
                notes.append(f"Your `{name}={clip(value, 40)}` was not used: {model.display_name} does not "
                             f"take that value{allowed}.")
            else:
                log.debug("server default %s=%r does not fit %s; left out", name, value, model.slug)
            continue
        params[key] = value
    return replace(request, model=slug, params=params), tuple(notes)


def _merged(mine: Mapping[str, str], server: Mapping[str, str]) -> dict[str, tuple[str, bool]]:
    """name -> (value, set by the member): the member's over the server's."""
    merged = {name: (value, False) for name, value in server.items()}
    merged.update({name: (value, True) for name, value in mine.items()})
    return merged


def _given(request: GenerationRequest) -> set[str]:
    """The option names the member gave: options with a value, names in ``options``, references."""
    given = {normalize_name(name) for name, value in request.params.items() if value is not None}
    if request.options_text:
        given |= set(parse_options(request.options_text))  # a bad text is refused the same way by prepare()
    if request.references:
        given.add("reference_images")
    return given


def _preferred_model(
    category: str | None, catalog: Catalog, mine: Mapping[str, str], server: Mapping[str, str], notes: list[str]
) -> str | None:
    if category is None:
        return None  # /generate names its model
    key = model_key(category)
    for prefs, by_member in ((mine, True), (server, False)):
        slug = prefs.get(key)
        if slug is None:
            continue
        model = catalog.get(slug)
        if model is not None and model.category == category:
            return model.slug
        if by_member:
            notes.append(f"Your `{key}` `{clip(slug, 60)}` is not offered now; another model was used.")
    return None


def _model(catalog: Catalog, slug: str | None, category: str | None) -> ModelInfo | None:
    if slug:
        model = catalog.get(slug)
        return model if model is not None and (category is None or model.category == category) else None
    return catalog.default_model(category) if category else None
