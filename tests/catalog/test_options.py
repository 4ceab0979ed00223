from __future__ import annotations

import pytest

from bot.catalog import ParamValidationError, parse_options, validate_request
from bot.vivix.models import ModelInfo


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        ("   ", {}),
        ("duration=5", {"duration": "5"}),
        ('style="oil paint" steps=30', {"style": "oil paint", "steps": "30"}),
        ("a=1,b=2, c=3 ,d=4", {"a": "1", "b": "2", "c": "3", "d": "4"}),
        ("aspect_ratio=16:9 resolution=4K", {"aspect_ratio": "16:9", "resolution": "4K"}),
        ("Aspect-Ratio = 4:5", {"aspect_ratio": "4:5"}),
        ('neg=""', {"neg": ""}),
        (r'q="say \"hi\" \\ bye"', {"q": 'say "hi" \\ bye'}),
        ('style="a, b=c"', {"style": "a, b=c"}),
        ("style=\u201coil paint\u201d seed=3", {"style": "oil paint", "seed": "3"}),
        ("url=https://x.y/a?b", {"url": "https://x.y/a?b"}),
    ],
)
def test_parses(text: str, expected: dict[str, str]) -> None:
    assert parse_options(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo", "options: expected `name=value`, but `foo` has no `=`; write e.g. `foo=...`"),
        ("seed=", 'options: `seed` has no value; write `seed=value` or `seed=""`'),
        ("seed= ,x=1", 'options: `seed` has no value; write `seed=value` or `seed=""`'),
        ('style="oil paint', 'options: the quoted value of `style` is never closed; add a closing `"`'),
        ('style="oil"paint', "options: put a space or comma after the quoted value of `style`"),
        ("a=b=c", "options: `a` has a stray `=` in its value; quote values that contain `=`"),
        ("=5", "options: expected an option name at `=5`"),
        ("5=5", "options: expected an option name at `5=5`"),
        ("steps=30 steps=40", "options: `steps` is given twice"),
        ("aspect-ratio=1:1 aspect_ratio=4:5", "options: `aspect_ratio` is given twice"),
    ],
)
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(ParamValidationError) as caught:
        parse_options(text)
    assert caught.value.field == "options"
    assert caught.value.message == message
    assert caught.value.allowed


def test_long_garbage_is_quoted_briefly() -> None:
    with pytest.raises(ParamValidationError) as caught:
        parse_options("!" * 80)
    assert caught.value.message == f"options: expected an option name at `{'!' * 30}…`"


def test_parsed_options_feed_validation(video: ModelInfo) -> None:
    params = parse_options("duration=8, audio=yes resolution=720p")
    assert validate_request(video, "rain", params) == {
        "prompt": "rain",
        "duration": 8,
        "audio": True,
        "resolution": "720p",
    }


@pytest.mark.parametrize("options", [
    {"aspect_ratio": "16:9", "steps": 30},
    {"style": "oil paint, thick", "negative_prompt": 'no "text"'},
    {"audio": True, "empty": "", "path": "a\\b", "eq": "a=b"},
])
def test_formatted_options_read_back_the_same(options: dict[str, object]) -> None:
    from bot.catalog.options import format_options

    expected = {k: ("true" if v is True else str(v)) for k, v in options.items()}
    assert parse_options(format_options(options)) == expected
