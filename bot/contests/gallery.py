"""The gallery: a contest's entries composed into one PNG grid, each tile numbered (Pillow).

The caller fetches the images (``bot/media.py``) and passes their bytes; an entry without an
image (a video or a sound, or a file that would not open) gets a plain tile with its number,
so the numbers in the grid always match the buttons.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

TILE = 256
GAP = 8
MAX_COLUMNS = 5
BACKGROUND = (30, 31, 34)
PLACEHOLDER = (54, 57, 63)
BADGE = (0, 0, 0, 170)
TEXT = (255, 255, 255)
MAX_PIXELS = 40_000_000  # refuse decompression bombs: far above any generated image


@dataclass(frozen=True, slots=True)
class Tile:
    number: int
    image: bytes | None  # None: no picture for this entry
    caption: str | None = None  # e.g. "2 votes" on the results gallery


def compose(tiles: Sequence[Tile], *, tile_size: int = TILE) -> bytes:
    """A PNG of the tiles in rows of up to ``MAX_COLUMNS``, in the order given."""
    if not tiles:
        raise ValueError("a gallery needs at least one tile")
    columns = min(MAX_COLUMNS, math.ceil(math.sqrt(len(tiles))))
    rows = math.ceil(len(tiles) / columns)
    width = columns * tile_size + (columns + 1) * GAP
    height = rows * tile_size + (rows + 1) * GAP
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    font = _font(max(14, tile_size // 9))
    for index, tile in enumerate(tiles):
        x = GAP + (index % columns) * (tile_size + GAP)
        y = GAP + (index // columns) * (tile_size + GAP)
        canvas.paste(_picture(tile, tile_size), (x, y))
        _badge(canvas, (x, y), f"#{tile.number}", font)
        if tile.caption:
            _badge(canvas, (x, y + tile_size), tile.caption, font, below=True)
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _picture(tile: Tile, size: int) -> Image.Image:
    if tile.image is not None:
        try:
            with Image.open(io.BytesIO(tile.image)) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise ValueError(f"{opened.width}x{opened.height} is too large")
                return ImageOps.fit(opened.convert("RGB"), (size, size), method=Image.Resampling.LANCZOS)
        except (UnidentifiedImageError, OSError, ValueError) as err:
            log.info("gallery: entry #%d has no usable image (%s); drawing its number", tile.number, err)
    plain = Image.new("RGB", (size, size), PLACEHOLDER)
    draw = ImageDraw.Draw(plain)
    font = _font(size // 4)
    text = str(tile.number)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((size - (right - left)) / 2 - left, (size - (bottom - top)) / 2 - top), text, font=font, fill=TEXT)
    return plain


def _badge(canvas: Image.Image, corner: tuple[int, int], text: str, font: Font, *, below: bool = False) -> None:
    """A translucent dark label in a tile's top-left corner (or, ``below``, its bottom-left)."""
    draw = ImageDraw.Draw(canvas, "RGBA")
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    pad = 6
    w, h = right - left + 2 * pad, bottom - top + 2 * pad
    x, y = corner[0], corner[1] - h if below else corner[1]
    draw.rectangle((x, y, x + w, y + h), fill=BADGE)
    draw.text((x + pad - left, y + pad - top), text, font=font, fill=TEXT)


def _font(size: int) -> Font:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, TypeError, ImportError):  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()
