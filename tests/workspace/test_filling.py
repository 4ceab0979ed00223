"""Preferences fill what a member left empty: explicit options win, the member's win over the
server's, and what the chosen model does not take is left out with a note, never refused."""

from __future__ import annotations

from dataclasses import replace

from bot.catalog import Catalog, validate_request
from bot.generation import GenerationRequest, Reference
from bot.workspace.filling import fill_request

FLUX, GROK = "flux-2-flash", "grok-imagine-image-quality"


def _imagine(model: str | None = FLUX, **params: object) -> GenerationRequest:
    blank: dict[str, object] = {"aspect_ratio": None, "resolution": None, "negative_prompt": None, "seed": None}
    return GenerationRequest(guild_id=1, channel_id=2, member_id=3, command="imagine", prompt="a fox",
                             category="image", model=model, params={**blank, **params})


def _body(catalog: Catalog, request: GenerationRequest) -> dict[str, object]:
    """What would be sent: the filled request through the real validation."""
    model = catalog.get(request.model or "") or catalog.default_model("image")
    assert model is not None
    return validate_request(model, request.prompt, request.params)


def test_an_empty_option_takes_the_members_preference(catalog: Catalog) -> None:
    filled, notes = fill_request(_imagine(), catalog, {"aspect_ratio": "16:9"}, {})
    assert _body(catalog, filled)["aspect_ratio"] == "16:9" and notes == ()


def test_an_option_given_wins_whether_as_an_option_or_in_the_options_text(catalog: Catalog) -> None:
    mine = {"aspect_ratio": "16:9", "negative_prompt": "blurry"}
    filled, _ = fill_request(_imagine(aspect_ratio="1:1"), catalog, mine, {})
    assert _body(catalog, filled)["aspect_ratio"] == "1:1"
    assert _body(catalog, filled)["negative_prompt"] == "blurry"

    typed = replace(_imagine(), options_text="aspect-ratio=9:16")
    filled, notes = fill_request(typed, catalog, mine, {})
    assert filled.params["aspect_ratio"] is None and notes == ()  # left to the options text, which prepare() reads


def test_the_members_preference_wins_over_the_servers_default(catalog: Catalog) -> None:
    server = {"aspect_ratio": "9:16", "negative_prompt": "text"}
    filled, _ = fill_request(_imagine(), catalog, {"aspect_ratio": "16:9"}, server)
    body = _body(catalog, filled)
    assert (body["aspect_ratio"], body["negative_prompt"]) == ("16:9", "text")


def test_a_preference_the_model_does_not_take_is_left_out_with_a_note(catalog: Catalog) -> None:
    mine = {"resolution": "4K", "aspect_ratio": "4:5", "negative_prompt": "blurry"}
    filled, notes = fill_request(_imagine(FLUX), catalog, mine, {})
    body = _body(catalog, filled)
    assert "resolution" not in body and "aspect_ratio" not in body  # flux's own default applies
    assert body["negative_prompt"] == "blurry"
    assert notes == (
        "Your `aspect_ratio=4:5` was not used: FLUX.2 Flash does not take that value (1:1, 16:9, 9:16).",
        "Your `resolution` was not used: FLUX.2 Flash has no such option.",
    )
    filled, notes = fill_request(_imagine(GROK), catalog, mine, {})
    assert _body(catalog, filled)["resolution"] == "4K" and _body(catalog, filled)["aspect_ratio"] == "4:5"
    assert notes == ("Your `negative_prompt` was not used: Grok Imagine Image Quality has no such option.",)


def test_a_server_default_that_does_not_fit_is_left_out_quietly(catalog: Catalog) -> None:
    filled, notes = fill_request(_imagine(FLUX), catalog, {}, {"resolution": "4K", "aspect_ratio": "4:5"})
    body = _body(catalog, filled)
    assert "resolution" not in body and "aspect_ratio" not in body and notes == ()


def test_a_model_preference_picks_the_model_when_none_is_given(catalog: Catalog) -> None:
    assert catalog.default_model("image").slug == FLUX  # type: ignore[union-attr]
    filled, notes = fill_request(_imagine(None), catalog, {"model:image": GROK}, {"model:image": FLUX})
    assert (filled.model, notes) == (GROK, ())
    filled, _ = fill_request(_imagine(None), catalog, {}, {"model:image": GROK})
    assert filled.model == GROK
    filled, _ = fill_request(_imagine(FLUX), catalog, {"model:image": GROK}, {})
    assert filled.model == FLUX  # the member chose one
    video = replace(_imagine(None), category="video", command="video", params={})
    filled, _ = fill_request(video, catalog, {"model:image": GROK}, {})
    assert filled.model is None  # an image preference says nothing about video


def test_a_preferred_model_no_longer_offered_falls_back_with_a_note(catalog: Catalog) -> None:
    filled, notes = fill_request(_imagine(None), catalog, {"model:image": "gone-model"}, {"model:image": GROK})
    assert filled.model == GROK
    assert notes == ("Your `model:image` `gone-model` is not offered now; another model was used.",)


def test_the_params_are_checked_against_the_model_the_preference_picked(catalog: Catalog) -> None:
    filled, notes = fill_request(_imagine(None), catalog, {"model:image": GROK, "resolution": "4K"}, {})
    assert (filled.model, filled.params["resolution"], notes) == (GROK, "4K", ())


def test_result_actions_and_references_are_left_as_they_are(catalog: Catalog) -> None:
    reroll = replace(_imagine(), source_job_id="a" * 32, action="reroll")
    assert fill_request(reroll, catalog, {"aspect_ratio": "16:9"}, {}) == (reroll, ())
    with_ref = replace(_imagine(), references=[Reference("reference_1", "https://x/y.png", "y.png", "image/png")])
    filled, _ = fill_request(with_ref, catalog, {"reference_images": "https://x/z.png"}, {})
    assert "reference_images" not in filled.params
