"""The gallery grid, drawn from small generated images."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.contests.gallery import GAP, PLACEHOLDER, Tile, compose

COLOURS = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (220, 220, 40), (40, 220, 220)]


def png(colour: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def centre_of(grid: Image.Image, index: int, columns: int, tile: int) -> tuple[int, int, int]:
    x = GAP + (index % columns) * (tile + GAP) + tile // 2
    y = GAP + (index // columns) * (tile + GAP) + tile // 2
    pixel = grid.getpixel((x, y))
    assert isinstance(pixel, tuple)
    return pixel[0], pixel[1], pixel[2]


def test_entries_are_laid_out_in_rows_each_tile_its_own_picture() -> None:
    tiles = [Tile(n + 1, png(colour)) for n, colour in enumerate(COLOURS)]
    grid = Image.open(io.BytesIO(compose(tiles, tile_size=64)))
    assert grid.format == "PNG"
    assert grid.size == (3 * 64 + 4 * GAP, 2 * 64 + 3 * GAP)  # 5 entries: 3 columns, 2 rows
    assert [centre_of(grid, n, 3, 64) for n in range(5)] == COLOURS


def test_an_entry_without_a_usable_picture_gets_a_plain_numbered_tile() -> None:
    tiles = [Tile(1, png(COLOURS[0])), Tile(2, None), Tile(3, b"not an image"), Tile(4, png(COLOURS[1]), "3 votes")]
    grid = Image.open(io.BytesIO(compose(tiles, tile_size=64)))
    corner = GAP + 64 + GAP + 2  # inside tile 2, away from its number
    assert grid.getpixel((corner + 60, GAP + 60)) == PLACEHOLDER
    assert centre_of(grid, 0, 2, 64) == COLOURS[0]


def test_a_gallery_needs_entries() -> None:
    with pytest.raises(ValueError, match="at least one tile"):
        compose([])
