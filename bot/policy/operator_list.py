"""BLOCKLIST_FILE: the operator's blocklist, which every server inherits and cannot remove.

One term a line; blank lines and lines starting with ``#`` are skipped. A line is a word, a
phrase when it has spaces, or a regex when it starts with ``regex:``; ``word:`` and ``phrase:``
say so explicitly. A line that cannot be a term stops the bot at start with its line number.
"""

from __future__ import annotations

from pathlib import Path

from .errors import PolicyInputError
from .terms import Term, TermKind, TermSource, check_term

PREFIXES = {"regex:": TermKind.REGEX, "word:": TermKind.WORD, "phrase:": TermKind.PHRASE}


class BlocklistFileError(ValueError):
    """The file cannot be read, or a line cannot be a term; the message names the line."""


def parse_blocklist(text: str) -> tuple[Term, ...]:
    terms: list[Term] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        kind = TermKind.PHRASE if len(line.split()) > 1 else TermKind.WORD
        for prefix, named in PREFIXES.items():
            if line.lower().startswith(prefix):
                kind, line = named, line[len(prefix):].strip()
                break
        try:
            terms.append(Term(kind, check_term(kind, line), TermSource.OPERATOR))
        except PolicyInputError as err:
            reason = err.message.removeprefix("❌ ").removesuffix(" Nothing was changed.")
            raise BlocklistFileError(f"line {number}: {reason}") from None
    return tuple(terms)


def load_blocklist(path: Path | None) -> tuple[Term, ...]:
    if path is None:
        return ()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise BlocklistFileError(f"cannot be read ({type(err).__name__})") from None
    return parse_blocklist(text)
