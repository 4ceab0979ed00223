"""What admins and the operator type: block lengths, and the BLOCKLIST_FILE format."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.policy import PolicyInputError, Term, TermKind, TermSource
from bot.policy.durations import parse_duration
from bot.policy.operator_list import BlocklistFileError, load_blocklist, parse_blocklist


@pytest.mark.parametrize(("text", "length"), [
    ("30m", timedelta(minutes=30)), ("12h", timedelta(hours=12)), ("7d", timedelta(days=7)),
    ("2w", timedelta(weeks=2)), ("1d12h", timedelta(days=1, hours=12)), ("3 days", timedelta(days=3)),
])
def test_block_lengths(text: str, length: timedelta) -> None:
    assert parse_duration(text) == length


@pytest.mark.parametrize("text", ["", "soon", "0m", "12", "5y", "1h then 2h", "99999w"])
def test_lengths_that_are_not(text: str) -> None:
    with pytest.raises(PolicyInputError, match="not a length of time"):
        parse_duration(text)


def test_the_blocklist_file_format() -> None:
    terms = parse_blocklist("# the operator's list\n\ngore\nblood bath\nregex:k[i1]ll\nphrase: single\n")

    assert terms == (
        Term(TermKind.WORD, "gore", TermSource.OPERATOR),
        Term(TermKind.PHRASE, "blood bath", TermSource.OPERATOR),
        Term(TermKind.REGEX, "k[i1]ll", TermSource.OPERATOR),
        Term(TermKind.PHRASE, "single", TermSource.OPERATOR),
    )


def test_a_bad_line_names_its_number(tmp_path: Path) -> None:
    path = tmp_path / "blocklist.txt"
    path.write_text("gore\nregex:(unclosed\n", encoding="utf-8")

    with pytest.raises(BlocklistFileError, match="line 2"):
        load_blocklist(path)
    with pytest.raises(ConfigError, match="BLOCKLIST_FILE: line 2"):
        load_settings(_env_file=None, discord_token="t", vivix_api_key="k", blocklist_file=str(path))
