"""Text as the policy matches it: one canonical form, so that spelling tricks do not slip a term past.

``fold`` applies Unicode NFKC (full-width and styled letters become plain ones), case folding,
removal of invisible format characters (zero-width space and joiners, soft hyphen, BOM) and of
combining marks, and a small table of look-alike letters from other scripts. ``Tokens`` then
reads words two ways: each word with the separators inside it removed (``n.s.f.w`` -> ``nsfw``),
and each word split at them (``cat-dog`` -> ``cat``, ``dog``); in both, runs of single letters
are joined (``n s f w`` -> ``nsfw``). A word term matches a whole token, a phrase a run of them,
so ``class`` never matches ``ass``.
"""

# ruff: noqa: RUF001  # the homoglyph table is made of the ambiguous letters that rule warns about

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Letters from other scripts that look like Latin ones: a small table, not a full confusables list.
HOMOGLYPHS = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "ɡ": "g", "һ": "h", "ӏ": "l",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ς": "s", "σ": "o",
    # Latin look-alikes NFKC keeps apart
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss",
})

_WORD_SPLIT = re.compile(r"[^\w]+|_+")


def fold(text: str) -> str:
    """The canonical form of ``text``: what every term and every prompt is compared in."""
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) not in ("Cf", "Mn", "Me"))
    return unicodedata.normalize("NFC", kept).translate(HOMOGLYPHS)


def _join_single_letters(tokens: list[str]) -> list[str]:
    """``['n', 's', 'f', 'w', 'art']`` -> ``['nsfw', 'art']``: letters spaced out are one word."""
    joined: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1:
            run.append(token)
            continue
        if len(run) > 1:
            joined.append("".join(run))
        else:
            joined.extend(run)
        run = []
        if token:
            joined.append(token)
    return joined


def _parts(word: str) -> list[str]:
    return [part for part in _WORD_SPLIT.split(word) if part]


@dataclass(frozen=True, slots=True)
class Tokens:
    """A text read for matching: its folded form and its two token sequences."""

    folded: str
    squashed: tuple[str, ...]  # each word with the separators inside it removed
    split: tuple[str, ...]  # each word split at those separators

    @classmethod
    def of(cls, text: str) -> Tokens:
        folded = fold(text)
        words = folded.split()
        squashed = _join_single_letters(["".join(_parts(word)) for word in words if _parts(word)])
        split = _join_single_letters([part for word in words for part in _parts(word)])
        return cls(folded, tuple(squashed), tuple(split))

    @property
    def spaced(self) -> str:
        """The squashed words joined by single spaces: what a regex term is also tried on."""
        return " ".join(self.squashed)

    def has_word(self, word: str) -> bool:
        return word in self.squashed or word in self.split

    def has_phrase(self, words: tuple[str, ...]) -> bool:
        return _contains_run(self.squashed, words) or _contains_run(self.split, words)


def _contains_run(tokens: tuple[str, ...], words: tuple[str, ...]) -> bool:
    size = len(words)
    if size == 0:
        return False
    return any(tokens[i:i + size] == words for i in range(len(tokens) - size + 1))


def term_words(term: str) -> tuple[str, ...]:
    """A word or phrase term in the form tokens are compared with: folded, separators removed
    inside each word (``N.S.F.W`` -> ``nsfw``)."""
    return tuple(_join_single_letters([squashed for word in fold(term).split() if (squashed := "".join(_parts(word)))]))
