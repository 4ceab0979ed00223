"""What may be a preference, checked against the sandbox's live model list."""

from __future__ import annotations

import pytest

from bot.catalog import Catalog
from bot.workspace import names
from bot.workspace.errors import BadPreferenceValueError, ModelPreferenceNeedsKindError, UnknownPreferenceError


def test_a_param_some_model_takes_is_kept_in_its_own_spelling(catalog: Catalog) -> None:
    assert names.check(catalog, "Aspect-Ratio", " 16:9 ") == ("aspect_ratio", "16:9")
    assert names.check(catalog, "resolution", "4k") == ("resolution", "4K")  # grok's enum spelling
    assert names.check(catalog, "audio", "yes") == ("audio", "true")
    assert names.check(catalog, "duration", "8") == ("duration", "8")
    assert names.check(catalog, "negative_prompt", "blurry, text") == ("negative_prompt", "blurry, text")


def test_a_value_is_kept_when_one_model_that_takes_it_accepts_it(catalog: Catalog) -> None:
    # 4:5 is grok's, not flux's; 1080p is wan's, 2160p only kling's; 100 s only stable-audio's
    assert names.check(catalog, "aspect_ratio", "4:5")[1] == "4:5"
    assert names.check(catalog, "resolution", "2160p")[1] == "2160p"
    assert names.check(catalog, "duration", "100")[1] == "100"


def test_a_value_no_model_accepts_is_refused_with_what_is_allowed(catalog: Catalog) -> None:
    with pytest.raises(BadPreferenceValueError) as refused:
        names.check(catalog, "aspect_ratio", "2:1")
    assert {"1:1", "4:5", "9:16", "16:9"} <= set(refused.value.allowed)
    assert "`2:1`" in refused.value.message and "Nothing was changed" in refused.value.message
    with pytest.raises(BadPreferenceValueError):
        names.check(catalog, "audio", "loud")
    with pytest.raises(BadPreferenceValueError) as too_long:
        names.check(catalog, "duration", "1000")
    assert "Nothing was changed" in too_long.value.message


def test_an_unknown_name_is_refused_with_the_names_there_are(catalog: Catalog) -> None:
    with pytest.raises(UnknownPreferenceError) as refused:
        names.check(catalog, "colour", "red")
    assert "`colour`" in refused.value.message
    assert {"model:image", "aspect_ratio", "resolution", "negative_prompt"} <= set(refused.value.known)
    for own_field in ("prompt", "reference_images"):
        with pytest.raises(UnknownPreferenceError):
            names.check(catalog, own_field, "x")


def test_a_model_preference_names_its_kind_and_a_model_of_that_kind(catalog: Catalog) -> None:
    assert names.check(catalog, "model:image", "FLUX-2-flash") == ("model:image", "flux-2-flash")
    with pytest.raises(ModelPreferenceNeedsKindError) as bare:
        names.check(catalog, "model", "flux-2-flash")
    assert "`model:image`" in bare.value.message and "`model:video`" in bare.value.message
    with pytest.raises(BadPreferenceValueError) as wrong_kind:
        names.check(catalog, "model:image", "kling-3-video")
    assert "is a video model" in wrong_kind.value.message
    with pytest.raises(BadPreferenceValueError) as unknown:
        names.check(catalog, "model:image", "flux-3")
    assert "flux-2-flash" in unknown.value.allowed  # the nearest of that kind
    with pytest.raises(UnknownPreferenceError):
        names.check(catalog, "model:hologram", "flux-2-flash")


def test_name_choices_put_the_members_usual_models_first_and_fit_discord(catalog: Catalog) -> None:
    everything = names.name_choices(catalog, "")
    assert 0 < len(everything) <= 25
    assert [c.value for c in everything][:2] == ["model:image", "model:video"]
    assert all(len(c.label) <= 100 and len(c.value) <= 100 for c in everything)

    assert [c.value for c in names.name_choices(catalog, "asp")] == ["aspect_ratio"]
    assert [c.value for c in names.name_choices(catalog, "_rat")] == ["aspect_ratio"]  # inside the name
    usual = names.name_choices(catalog, "", usual=["stable-audio-2.5"])
    params = [c.value for c in usual if not c.value.startswith("model:")]
    assert params[:2] == ["duration", "instrumental"]  # the audio model's params lead
    aspect = next(c for c in names.name_choices(catalog, "aspect", usual=["flux-2-flash"]))
    assert aspect.label.startswith("aspect_ratio · flux-2-flash, ")


def test_value_choices_come_from_the_enums_of_the_models_that_take_it(catalog: Catalog) -> None:
    values = [c.value for c in names.value_choices(catalog, "aspect_ratio", "")]
    assert set(values) == {"1:1", "4:5", "9:16", "16:9"} and len(values) == 4
    assert [c.value for c in names.value_choices(catalog, "resolution", "10")] == ["1080p"]
    assert [c.value for c in names.value_choices(catalog, "audio", "")] == ["true", "false"]
    assert names.value_choices(catalog, "negative_prompt", "") == []  # free text: nothing to offer
    assert [c.value for c in names.value_choices(catalog, "model:image", "flux")] == ["flux-2-flash"]
