"""PNG bar charts for /quota usage, drawn with Pillow."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

WIDTH = 800
PAD = 24
ROW = 30
BAR_HEIGHT = 18
LABEL_WIDTH = 230
VALUE_WIDTH = 90
BACKGROUND = (43, 45, 49)
TEXT = (235, 236, 240)
MUTED = (160, 163, 170)
BAR = (124, 92, 255)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True, slots=True)
class ChartSection:
    heading: str
    bars: Sequence[tuple[str, int]]  # (label, value), drawn in this order


@cache
def _font(size: int) -> Font:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, TypeError, ImportError):  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _fit(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def bar_chart_png(title: str, sections: Sequence[ChartSection]) -> bytes:
    """One image: a title, then per section a heading and horizontal bars scaled to its largest value."""
    rows = sum(1 + max(1, len(section.bars)) for section in sections)
    height = PAD * 2 + 40 + rows * ROW + PAD * max(0, len(sections) - 1)
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title_font, heading_font, label_font = _font(22), _font(17), _font(15)
    draw.text((PAD, PAD), _fit(draw, title, title_font, WIDTH - 2 * PAD), font=title_font, fill=TEXT)
    y = PAD + 40
    bar_left = PAD + LABEL_WIDTH + 10
    bar_room = WIDTH - PAD - VALUE_WIDTH - bar_left
    for section in sections:
        draw.text((PAD, y + 4), section.heading, font=heading_font, fill=TEXT)
        y += ROW
        if not section.bars:
            draw.text((PAD, y + 4), "nothing yet", font=label_font, fill=MUTED)
            y += ROW
        top = max((value for _label, value in section.bars), default=0) or 1
        for label, value in section.bars:
            draw.text((PAD, y + 5), _fit(draw, label, label_font, LABEL_WIDTH), font=label_font, fill=MUTED)
            length = max(2, round(bar_room * max(0, value) / top))
            bar_top = y + (ROW - BAR_HEIGHT) // 2
            draw.rectangle((bar_left, bar_top, bar_left + length, bar_top + BAR_HEIGHT), fill=BAR)
            draw.text((bar_left + length + 8, y + 5), f"{value:,}", font=label_font, fill=TEXT)
            y += ROW
        y += PAD
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
