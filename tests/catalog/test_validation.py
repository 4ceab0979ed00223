from __future__ import annotations

import pytest

from bot.catalog import ParamValidationError, estimate_hold, validate_request
from bot.errors import BotError
from bot.vivix.models import ModelInfo
from tests.catalog.data import CHEAP_IMAGE, model


def fails(model: ModelInfo, prompt: str = "a cat", params: dict[str, object] | None = None, **kw: int):
    with pytest.raises(ParamValidationError) as caught:
        validate_request(model, prompt, params or {}, **kw)
    return caught.value


def test_valid_image_request_is_cleaned(image: ModelInfo) -> None:
    body = validate_request(
        image, "  a misty forest  ", {"aspect_ratio": "16:9", "resolution": "4K", "number_results": "2"}
    )
    assert body == {
        "prompt": "a misty forest",
        "aspect_ratio": "16:9",
        "resolution": "4K",
        "number_results": 2,
    }


def test_valid_video_request_coerces_types(video: ModelInfo) -> None:
    body = validate_request(video, "neon street", {"duration": "7", "audio": "yes", "resolution": "720p"})
    assert body == {"prompt": "neon street", "duration": 7, "audio": True, "resolution": "720p"}


def test_none_means_not_given_and_defaults_are_left_to_the_api(video: ModelInfo) -> None:
    assert validate_request(video, "x", {"duration": None, "audio": None}) == {"prompt": "x"}


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t"])
def test_prompt_required(video: ModelInfo, prompt: str) -> None:
    err = fails(video, prompt)
    assert err.field == "prompt"
    assert err.message == "`prompt` is required: describe what to make"


def test_prompt_max_from_schema(audio: ModelInfo) -> None:
    err = fails(audio, "a" * 301, {"voice": "alto"})
    assert (err.field, err.message) == ("prompt", "`prompt` is 301 characters; this model takes at most 300")
    assert validate_request(audio, "a" * 300, {"voice": "alto"})["prompt"] == "a" * 300


def test_prompt_max_defaults_to_api_limit(video: ModelInfo) -> None:
    err = fails(video, "b" * 2105)
    assert err.message == "`prompt` is 2105 characters; this model takes at most 2000"
    assert err.allowed == ("≤ 2000 characters",)
    validate_request(video, "b" * 2000, {})


def test_integer_range(video: ModelInfo) -> None:
    for bad in (1, "11", 0, -3):
        err = fails(video, params={"duration": bad})
        assert (err.field, err.message, err.allowed) == (
            "duration",
            "`duration` must be between 2 and 10",
            ("2\u201310",),
        )
    assert validate_request(video, "x", {"duration": 2})["duration"] == 2
    assert validate_request(video, "x", {"duration": 10.0})["duration"] == 10


@pytest.mark.parametrize("bad", ["five", "5.5", 5.5, "", True, [5]])
def test_integer_must_be_whole(video: ModelInfo, bad: object) -> None:
    err = fails(video, params={"duration": bad})
    assert err.message == "`duration` must be a whole number, between 2 and 10"


def test_integer_bounds_may_be_floats(audio: ModelInfo) -> None:
    assert validate_request(audio, "x", {"duration": "30", "voice": "bass"})["duration"] == 30
    err = fails(audio, params={"duration": 31, "voice": "bass"})
    assert err.message == "`duration` must be between 1 and 30"


def test_fractional_bounds_are_shown_as_given() -> None:
    odd = model({"slug": "m", "params": {"steps": {"type": "integer", "min": 2.5}}})
    assert fails(odd, params={"steps": 2}).message == "`steps` must be at least 2.5"
    assert validate_request(odd, "x", {"steps": 3})["steps"] == 3
    capped = model({"slug": "m", "params": {"steps": {"type": "integer", "max": 50}}})
    assert fails(capped, params={"steps": 51}).message == "`steps` must be at most 50"
    free = model({"slug": "m", "params": {"steps": {"type": "integer"}}})
    assert fails(free, params={"steps": "x"}).message == "`steps` must be a whole number"
    assert validate_request(free, "x", {"steps": "-4"})["steps"] == -4


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("true", True),
        ("YES", True),
        ("1", True),
        (1, True),
        (True, True),
        ("false", False),
        ("no", False),
        ("0", False),
        (0, False),
        (False, False),
    ],
)
def test_boolean_words(video: ModelInfo, given: object, expected: bool) -> None:
    assert validate_request(video, "x", {"audio": given})["audio"] is expected


@pytest.mark.parametrize("bad", ["maybe", "2", 2, "on?"])
def test_boolean_refuses_others(video: ModelInfo, bad: object) -> None:
    err = fails(video, params={"audio": bad})
    assert err.field == "audio"
    assert err.message == "`audio` must be true or false (or yes/no, 1/0)"
    assert err.allowed == ("true", "false")


def test_enum_values(video: ModelInfo) -> None:
    err = fails(video, params={"resolution": "4K"})
    assert (err.field, err.message) == ("resolution", "`resolution` must be one of 720p, 1080p")
    assert err.allowed == ("720p", "1080p")


def test_enum_compared_as_strings(utility: ModelInfo, image: ModelInfo) -> None:
    assert validate_request(utility, "x", {"scale": "4"})["scale"] == 4  # the schema's own value
    assert validate_request(image, "x", {"resolution": "4k"})["resolution"] == "4K"  # case tolerated
    assert fails(utility, params={"scale": "3"}).message == "`scale` must be one of 2, 4"


def test_string_param_max_length(utility: ModelInfo) -> None:
    assert validate_request(utility, "x", {"style": "oil paint"})["style"] == "oil paint"
    err = fails(utility, params={"style": "s" * 21})
    assert err.message == "`style` is 21 characters; this model takes at most 20"


def test_unknown_option_names_what_the_model_takes(video: ModelInfo) -> None:
    err = fails(video, params={"foo": "1"})
    assert err.field == "foo"
    assert err.message == (
        "unknown option `foo` for wan-2.7-text-to-video; it takes: prompt, duration, resolution, audio"
    )
    assert err.allowed == ("prompt", "duration", "resolution", "audio")


def test_option_names_are_normalized(image: ModelInfo) -> None:
    assert validate_request(image, "x", {"Aspect-Ratio": "4:5"}) == {"prompt": "x", "aspect_ratio": "4:5"}
    err = fails(image, params={"aspect-ratio": "4:5", "aspect_ratio": "1:1"})
    assert err.message == "`aspect_ratio` is given twice"


@pytest.mark.parametrize("name", ["prompt", "model"])
def test_prompt_and_model_are_not_options(video: ModelInfo, name: str) -> None:
    assert (
        fails(video, params={name: "x"}).message == f"`{name}` goes in its own field, not among the options"
    )


def test_general_fields_allowed_without_schema(video: ModelInfo) -> None:
    body = validate_request(
        video, "x", {"negative_prompt": " blurry ", "seed": "42", "reference_images": ["https://a/1.png"]}
    )
    assert body == {
        "prompt": "x",
        "negative_prompt": "blurry",
        "seed": 42,
        "reference_images": ["https://a/1.png"],
    }


def test_blank_negative_prompt_is_dropped(video: ModelInfo) -> None:
    assert validate_request(video, "x", {"negative_prompt": "  "}) == {"prompt": "x"}


def test_negative_prompt_limit(video: ModelInfo) -> None:
    err = fails(video, params={"negative_prompt": "n" * 501})
    assert (err.field, err.message) == (
        "negative_prompt",
        "`negative_prompt` is 501 characters; this model takes at most 500",
    )


@pytest.mark.parametrize("bad", [-1, "-5", "abc", 1.5])
def test_seed_must_be_non_negative_integer(video: ModelInfo, bad: object) -> None:
    err = fails(video, params={"seed": bad})
    assert err.field == "seed"
    assert err.message in ("`seed` must be at least 0", "`seed` must be a whole number, at least 0")
    assert err.allowed == ("≥ 0",)


def test_seed_uses_schema_bounds_too() -> None:
    flux = model(CHEAP_IMAGE)
    assert validate_request(flux, "x", {"seed": 0})["seed"] == 0
    assert fails(flux, params={"seed": 2**32}).message == "`seed` must be between 0 and 4294967295"


def test_number_results_only_when_the_schema_has_it(image: ModelInfo, video: ModelInfo) -> None:
    assert validate_request(image, "x", {"number_results": 4})["number_results"] == 4
    assert fails(image, params={"number_results": 5}).message == "`number_results` must be between 1 and 4"
    err = fails(video, params={"number_results": 2})
    assert err.message.startswith("unknown option `number_results` for wan-2.7-text-to-video")


def test_number_results_documented_range_when_schema_is_silent() -> None:
    loose = model({"slug": "m", "params": {"number_results": {"type": "integer"}}})
    assert fails(loose, params={"number_results": 0}).message == "`number_results` must be between 1 and 4"


def test_required_params_must_be_present(audio: ModelInfo) -> None:
    err = fails(audio, params={"duration": 5})
    assert (err.field, err.message) == ("voice", "`voice` is required for echo-sfx-v2")
    assert err.allowed == ("alto", "bass", "tenor")


def test_required_param_with_default_is_filled() -> None:
    m = model(
        {
            "slug": "m",
            "params": {"mode": {"type": "enum", "values": ["a", "b"], "required": True, "default": "a"}},
        }
    )
    assert validate_request(m, "x", {}) == {"prompt": "x", "mode": "a"}


def test_reference_images_limit(image: ModelInfo) -> None:
    validate_request(image, "x", {}, reference_count=3)
    err = fails(image, reference_count=4)
    assert (err.field, err.message) == ("reference_images", "at most 3 reference images (got 4)")
    err = fails(image, params={"reference_images": "https://a/1.png, https://a/2.png"}, reference_count=2)
    assert err.message == "at most 3 reference images (got 4)"


def test_reference_images_must_be_urls(image: ModelInfo) -> None:
    assert fails(image, params={"reference_images": ["file:///etc/passwd"]}).field == "reference_images"
    assert (
        fails(image, params={"reference_images": 3}).message
        == "`reference_images` must be a list of image URLs"
    )


def test_unknown_param_type_passes_through(odd: ModelInfo) -> None:
    vector = [1, 2, 3]
    assert validate_request(odd, "x", {"mesh_quality": vector}) == {"prompt": "x", "mesh_quality": vector}
    assert validate_request(odd, "x", {"mesh_quality": "high"})["mesh_quality"] == "high"


def test_enum_without_values_is_tolerated() -> None:
    m = model({"slug": "m", "params": {"mood": {"type": "enum"}}})
    assert validate_request(m, "x", {"mood": "calm"})["mood"] == "calm"


def test_error_is_a_bot_error_with_fields(video: ModelInfo) -> None:
    err = fails(video, params={"duration": 99})
    assert isinstance(err, BotError)
    assert str(err) == err.message
    assert "duration" in repr(err)


def test_estimate_hold(image: ModelInfo, video: ModelInfo) -> None:
    assert estimate_hold(image, {}) == 211
    assert estimate_hold(image, {"number_results": 3}) == 633
    assert estimate_hold(image, {"number_results": "2"}) == 422
    assert estimate_hold(video, {"duration": 10}) == 1440


def test_estimate_uses_schema_default_and_is_at_least_one() -> None:
    batch = model(
        {
            "slug": "m",
            "params": {"number_results": {"type": "integer", "default": 2}},
            "credits_band": {"max": 50},
        }
    )
    assert estimate_hold(batch, {}) == 100
    assert estimate_hold(model({"slug": "free"}), {}) == 1
    assert estimate_hold(batch, {"number_results": 0}) == 50
