"""Matching terms, and a regex that cannot hold the bot: its timeout fires and the request is refused."""

from __future__ import annotations

import pytest

from bot.policy import PolicyInputError, Term, TermKind
from bot.policy.terms import TermMatcher, check_term

PATHOLOGICAL_PATTERN = r"(a|aa)+$"
PATHOLOGICAL_PROMPT = "a" * 40 + "!"


def test_word_phrase_and_regex_terms_match() -> None:
    matcher = TermMatcher.of([Term(TermKind.WORD, "gore"), Term(TermKind.PHRASE, "blood bath"),
                              Term(TermKind.REGEX, r"\bk[i1]ll\b")])

    assert matcher.find(["some G.O.R.E here"]) == matcher.find(["gore"])
    assert matcher.find(["a BLOOD bath"]).term.text == "blood bath"  # type: ignore[union-attr]
    assert matcher.find(["k1ll it"]).term.kind is TermKind.REGEX  # type: ignore[union-attr]
    assert matcher.find(["a gorgeous bloodless bath"]) is None


def test_the_negative_prompt_and_options_are_read_too() -> None:
    matcher = TermMatcher.of([Term(TermKind.WORD, "gore")])

    assert matcher.find(["a cat", "", 'style="g o r e"']) is not None


def test_a_pathological_regex_times_out_and_counts_as_a_match() -> None:
    matcher = TermMatcher.of([Term(TermKind.REGEX, PATHOLOGICAL_PATTERN)])

    found = matcher.find([PATHOLOGICAL_PROMPT], timeout=0.01)

    assert found is not None and found.timed_out


def test_the_same_regex_on_an_ordinary_prompt_answers_without_timing_out() -> None:
    matcher = TermMatcher.of([Term(TermKind.REGEX, PATHOLOGICAL_PATTERN)])

    assert matcher.find(["a harbour at dawn"], timeout=0.01) is None


def test_a_spent_budget_refuses_the_remaining_regexes() -> None:
    matcher = TermMatcher.of([Term(TermKind.REGEX, "zzz"), Term(TermKind.REGEX, "yyy")])

    found = matcher.find(["a harbour"], budget=0.0)

    assert found is not None and found.timed_out


@pytest.mark.parametrize(("kind", "text", "why"), [
    (TermKind.REGEX, "(unclosed", "does not compile"),
    (TermKind.WORD, "two words", "phrase"),
    (TermKind.WORD, "...", "no letters"),
    (TermKind.WORD, "   ", "empty"),
    (TermKind.PHRASE, "x" * 201, "at most 200"),
])
def test_bad_terms_are_refused_with_the_reason(kind: TermKind, text: str, why: str) -> None:
    with pytest.raises(PolicyInputError) as raised:
        check_term(kind, text)
    assert why in raised.value.message
