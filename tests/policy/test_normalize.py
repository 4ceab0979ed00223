"""Evasion attempts meet the same canonical form as the term they try to slip past."""

# ruff: noqa: RUF001  # evasion attempts are written with the look-alike letters themselves

from __future__ import annotations

import pytest

from bot.policy.normalize import Tokens, fold, term_words


@pytest.mark.parametrize("written", [
    "nsfw",
    "NSFW",
    "nSfW",
    "n.s.f.w",
    "n-s-f-w",
    "n_s_f_w",
    "n s f w",
    "n*s*f*w",
    "ｎｓｆｗ",  # full-width letters
    "n\u200bs\u200cf\u200dw",  # zero-width space, non-joiner, joiner
    "n\u00ads\u2060fw",  # soft hyphen, word joiner
    "ns.fw",
    "n\u0455fw",  # Cyrillic dze for s
    "nsf\u051d",  # Cyrillic we for w
    "nsfẃ",  # a combining accent
    "𝐧𝐬𝐟𝐰",  # mathematical bold letters
])
def test_every_spelling_reads_as_the_word(written: str) -> None:
    assert Tokens.of(f"a picture, {written}, of a cat").has_word("nsfw")


def test_homoglyphs_from_the_table_fold_to_latin() -> None:
    assert fold("рοrn") == "porn"  # Cyrillic er, Greek omicron
    assert fold("ԁеаԁ") == "dead"


def test_a_word_inside_another_word_is_not_matched() -> None:
    tokens = Tokens.of("a classic assassin in a glass house")
    assert not tokens.has_word("ass")


def test_phrases_match_runs_of_words_in_both_readings() -> None:
    assert Tokens.of("a Blood—Bath at dawn").has_phrase(term_words("blood bath"))
    assert Tokens.of("b.l.o.o.d bath").has_phrase(term_words("blood bath"))
    assert not Tokens.of("blood and a bath").has_phrase(term_words("blood bath"))


def test_terms_are_folded_like_prompts() -> None:
    assert term_words("N.S.F.W") == ("nsfw",)
    assert term_words("  Blood   BATH ") == ("blood", "bath")
    assert term_words("n s f w") == ("nsfw",)
