"""Parse the free-text ``options`` field: ``name=value`` pairs, e.g. ``style="oil paint" steps=30``.

Pairs are separated by spaces or commas; a value may be double-quoted (curly quotes, as
phones type them, count too) with ``\\"`` and ``\\\\`` escapes inside. Names are
normalized (lower case, ``-`` read as ``_``); a name given twice is an error.
"""

from __future__ import annotations

import re

from .errors import ParamValidationError
from .schema import normalize_name

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_SEPARATORS = " \t\r\n,"
# opening quote -> the quotes that may close it (phones turn " into \u201c...\u201d, or \u201e...\u201c)
_QUOTES = {'"': '"', "\u201c": '\u201d"', "\u201e": '\u201c\u201d"'}
_FIELD = "options"
_SHOWN = 30  # characters of the offending text quoted back


def parse_options(text: str) -> dict[str, str]:
    """The ``name=value`` pairs of ``text`` in order; ParamValidationError(field="options") if malformed."""
    result: dict[str, str] = {}
    pos, end = 0, len(text)
    while True:
        pos = _skip_separators(text, pos)
        if pos >= end:
            return result
        name, pos = _read_name(text, pos)
        pos = _skip_blanks(text, pos)
        if pos >= end or text[pos] != "=":
            raise _error(f"expected `name=value`, but `{name}` has no `=`; write e.g. `{name}=...`")
        pos = _skip_blanks(text, pos + 1)
        value, pos = _read_value(text, pos, name)
        key = normalize_name(name)
        if key in result:
            raise _error(f"`{key}` is given twice")
        result[key] = value


def _error(message: str) -> ParamValidationError:
    return ParamValidationError(_FIELD, f"options: {message}", ('name=value name2="quoted value"',))


def _skip_separators(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _SEPARATORS:
        pos += 1
    return pos


def _skip_blanks(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _read_name(text: str, pos: int) -> tuple[str, int]:
    match = _NAME.match(text, pos)
    if match is None:
        raise _error(f"expected an option name at `{_excerpt(text, pos)}`")
    return match.group(), match.end()


def _read_value(text: str, pos: int, name: str) -> tuple[str, int]:
    if pos < len(text) and text[pos] in _QUOTES:
        return _read_quoted(text, pos, name)
    start = pos
    while pos < len(text) and text[pos] not in _SEPARATORS:
        if text[pos] == "=":
            raise _error(f"`{name}` has a stray `=` in its value; quote values that contain `=`")
        pos += 1
    if pos == start:
        raise _error(f'`{name}` has no value; write `{name}=value` or `{name}=""`')
    return text[start:pos], pos


def _read_quoted(text: str, pos: int, name: str) -> tuple[str, int]:
    closers = _QUOTES[text[pos]]
    chars: list[str] = []
    pos += 1
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text) and text[pos + 1] in ('"', "\\"):
            chars.append(text[pos + 1])
            pos += 2
            continue
        if char in closers:
            pos += 1
            if pos < len(text) and text[pos] not in _SEPARATORS:
                raise _error(f"put a space or comma after the quoted value of `{name}`")
            return "".join(chars), pos
        chars.append(char)
        pos += 1
    raise _error(f'the quoted value of `{name}` is never closed; add a closing `"`')


def _excerpt(text: str, pos: int) -> str:
    piece = text[pos : pos + _SHOWN].replace("`", "'")
    return piece + ("…" if len(text) - pos > _SHOWN else "")


def format_options(options: dict[str, object]) -> str:
    """``name=value`` pairs that ``parse_options`` reads back as the same values (as text):
    what a remix form shows for the member to edit. Booleans read as true/false."""
    parts = []
    for name, value in options.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if not text or any(c in text for c in _SEPARATORS + '="\\') or text[0] in _QUOTES:
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        parts.append(f"{name}={text}")
    return " ".join(parts)
