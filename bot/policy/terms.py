"""Blocklist and sensitive terms, and matching a request's texts against them.

Words and phrases are compared token by token in the folded form (``normalize``). A regex term
runs on the ``regex`` library with a timeout: a pathological pattern meeting a pathological
prompt stops after ``REGEX_TIMEOUT`` seconds and counts as a match (the request is refused, not
let through), so no prompt can hold the bot's event loop for long.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import regex

from .errors import PolicyInputError
from .normalize import Tokens, term_words

log = logging.getLogger(__name__)

REGEX_TIMEOUT = 0.05  # seconds one regex term may take on one text
REGEX_BUDGET = 0.5  # seconds all regex terms together may take on one request
TERM_MAX = 200  # characters in one term


class TermKind(StrEnum):
    WORD = "word"
    PHRASE = "phrase"
    REGEX = "regex"


class TermList(StrEnum):
    BLOCK = "block"  # refused outright
    SENSITIVE = "sensitive"  # posted as a spoiler, or refused, by the server's sensitive mode


class TermSource(StrEnum):
    SERVER = "server"  # added by the server's admins
    OPERATOR = "operator"  # BLOCKLIST_FILE: every server inherits it and cannot remove it
    BUILT_IN = "built-in"  # the built-in sensitive list


@dataclass(frozen=True, slots=True)
class Term:
    kind: TermKind
    text: str
    source: TermSource = TermSource.SERVER


@dataclass(frozen=True, slots=True)
class Match:
    """What matched (``term``), or that a regex ran out of time on it (``timed_out``)."""

    term: Term
    timed_out: bool = False


def check_term(kind: TermKind, text: str) -> str:
    """The term as it is stored, or a PolicyInputError saying why it cannot be."""
    text = text.strip()
    if not text:
        raise PolicyInputError("❌ The term is empty. Nothing was changed.")
    if len(text) > TERM_MAX:
        raise PolicyInputError(f"❌ A term has at most {TERM_MAX} characters. Nothing was changed.")
    if kind is TermKind.REGEX:
        try:
            compile_regex(text)
        except regex.error as err:
            raise PolicyInputError(f"❌ That regex does not compile ({err}). Nothing was changed.") from err
    elif not term_words(text):
        raise PolicyInputError("❌ That term has no letters or digits to match. Nothing was changed.")
    elif kind is TermKind.WORD and len(term_words(text)) > 1:
        raise PolicyInputError("❌ A word term is one word; add it as a `phrase`. Nothing was changed.")
    return text


def compile_regex(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern, regex.IGNORECASE | regex.V0)


@dataclass
class TermMatcher:
    """Terms compiled once per policy snapshot; ``find`` is what a request pays."""

    words: dict[str, Term] = field(default_factory=dict)
    phrases: list[tuple[tuple[str, ...], Term]] = field(default_factory=list)
    patterns: list[tuple[regex.Pattern[str], Term]] = field(default_factory=list)

    @classmethod
    def of(cls, terms: Iterable[Term]) -> TermMatcher:
        matcher = cls()
        for term in terms:
            if term.kind is TermKind.REGEX:
                try:
                    matcher.patterns.append((compile_regex(term.text), term))
                except regex.error:
                    log.warning("policy: a stored %s regex term does not compile; skipped", term.source)
                continue
            words = term_words(term.text)
            if term.kind is TermKind.WORD and len(words) == 1:
                matcher.words.setdefault(words[0], term)
            elif words:
                matcher.phrases.append((words, term))
        return matcher

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases or self.patterns)

    def find(
        self, texts: Sequence[str], *, timeout: float = REGEX_TIMEOUT, budget: float = REGEX_BUDGET
    ) -> Match | None:
        """The first term any of ``texts`` matches, or None."""
        read = [Tokens.of(text) for text in texts if text]
        for tokens in read:
            for token in (*tokens.squashed, *tokens.split):
                if token in self.words:
                    return Match(self.words[token])
            for words, term in self.phrases:
                if tokens.has_phrase(words):
                    return Match(term)
        return self._find_regex(read, timeout, budget)

    def _find_regex(self, read: list[Tokens], timeout: float, budget: float) -> Match | None:
        deadline = time.perf_counter() + budget
        for pattern, term in self.patterns:
            for tokens in read:
                for text in dict.fromkeys((tokens.folded, tokens.spaced)):
                    left = deadline - time.perf_counter()
                    try:
                        if left <= 0 or pattern.search(text, timeout=min(timeout, left)) is not None:
                            return Match(term, timed_out=left <= 0)
                    except TimeoutError:
                        return Match(term, timed_out=True)
        return None
