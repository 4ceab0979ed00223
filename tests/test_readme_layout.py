"""The README's project layout map names every module in bot/ and cogs/, and nothing that is gone.

The map is the first code block under ``## Project layout``: one entry a line, a folder
ending in ``/``, each nested entry indented two spaces under its folder, then its
description after two or more spaces.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## Project layout"
CHECKED_ROOTS = ("bot", "cogs")  # every module and package under these must have a line
ENTRY = re.compile(r"^(?P<indent> *)(?P<name>\S+)(?: {2,}(?P<description>\S.*))?$")


def layout_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert HEADING in lines, f"README.md has no {HEADING!r} section"
    after = lines[lines.index(HEADING) + 1:]
    fences = [n for n, line in enumerate(after) if line.startswith("```")]
    assert len(fences) >= 2, f"no code block under {HEADING!r}"
    return after[fences[0] + 1:fences[1]]


def layout_map() -> dict[str, str]:
    """Each entry's path from the project root (folders end in ``/``) -> its description."""
    entries: dict[str, str] = {}
    folders: list[str] = []  # the folder at each depth above the current line
    for line in layout_lines():
        if not line.strip():
            continue
        match = ENTRY.match(line)
        assert match, f"not an entry: {line!r}"
        indent = len(match["indent"])
        assert indent % 2 == 0 and indent // 2 <= len(folders), f"bad indentation: {line!r}"
        depth = indent // 2
        del folders[depth:]
        path = "".join(folders) + match["name"]
        assert path not in entries, f"listed twice: {path}"
        entries[path] = match["description"] or ""
        if match["name"].endswith("/"):
            folders.append(match["name"])
    return entries


def modules_on_disk() -> set[str]:
    """Every .py file (but ``__init__.py``) and every package under CHECKED_ROOTS, as the map spells them."""
    found: set[str] = set()
    for root in CHECKED_ROOTS:
        for path in (ROOT / root).rglob("*"):
            relative = path.relative_to(ROOT)
            if "__pycache__" in relative.parts:
                continue
            if path.is_dir() and (path / "__init__.py").is_file():
                found.add(f"{relative.as_posix()}/")
            elif path.suffix == ".py" and path.name != "__init__.py":
                found.add(relative.as_posix())
    return found


def test_every_module_under_bot_and_cogs_is_in_the_layout_map() -> None:
    missing = sorted(modules_on_disk() - layout_map().keys())
    assert not missing, f"add a line to README.md's {HEADING!r} map for: {', '.join(missing)}"


def test_every_entry_in_the_layout_map_exists() -> None:
    gone = sorted(path for path in layout_map() if not (ROOT / path).exists())
    assert not gone, f"README.md's {HEADING!r} map names what is not there: {', '.join(gone)}"


def test_every_entry_in_the_layout_map_says_what_it_holds() -> None:
    bare = sorted(path for path, description in layout_map().items() if not description)
    assert not bare, f"README.md's {HEADING!r} map has no description for: {', '.join(bare)}"
