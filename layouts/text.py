"""Readable text in the layout: KLayout's stroke font, one cell per character.

Lengths in um. Text is built from one ``glyph`` cell per character, placed as GDS arrays along
rows and columns, so 10,000 labelled disks stay a small file. KLayout's built-in stroke font
draws lower case as capitals, so label text is written in capitals with units that read
correctly so (see layouts.matrix.row_label); numbers are written by ``significant``, which
never uses an exponent (the stroke font's E is easily misread).
"""

from __future__ import annotations

import math
import unicodedata

import gdsfactory as gf
from kfactory import kdb

from layouts.cellkit import layer_index, length_tag, name_part, set_cell_name
from layouts.job import DBU_UM
from layouts.layers import LABEL, Layer

# KLayout's default text generator: glyphs 0.5 wide and 0.7 tall (digits, capitals) on a
# 0.6 advance, in font units of 1000 database units.
_FONT = kdb.TextGenerator.default_generator()
_FONT_GLYPH_HEIGHT = 0.7
_FONT_ADVANCE = 0.6
_FONT_GLYPH_WIDTH = 0.5


def text_advance_um(height_um: float) -> float:
    """Horizontal advance of one character of text ``height_um`` tall, um."""
    return _FONT_ADVANCE * height_um / _FONT_GLYPH_HEIGHT


def text_width_um(text: str, height_um: float) -> float:
    """Width of ``text`` drawn ``height_um`` tall (first glyph's left to last glyph's right)."""
    if not text:
        return 0.0
    scale = height_um / _FONT_GLYPH_HEIGHT
    return ((len(text) - 1) * _FONT_ADVANCE + _FONT_GLYPH_WIDTH) * scale


def significant(value: float, digits: int = 4) -> str:
    """``value`` rounded to ``digits`` significant digits, in fixed notation without trailing
    zeros (no exponent, which the stroke font would draw as an E easily misread): 11.14,
    0.01234, 1235, 500, 38.3."""
    if value == 0.0 or not math.isfinite(value):
        return f"{value:g}".upper()
    rounded = float(f"{value:.{digits}g}")
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(rounded))))
    text = f"{rounded:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def ascii_text(text: str) -> str:
    """``text`` with every character the font lacks (non-ASCII, control) replaced by "_"."""
    return "".join(ch if 32 <= ord(ch) <= 126 else "_" for ch in text)


def _glyph_name(code: int, height_um: float, layer: Layer) -> str:
    ch = chr(code)
    part = ch if ch.isalnum() else name_part(unicodedata.name(ch)).lower()
    on = "" if layer == LABEL else f"_L{layer[0]}_{layer[1]}"
    return f"glyph_{part}_{length_tag(height_um)}{on}"


@gf.cell
def glyph(code: int, height_um: float = 10.0, layer: Layer = LABEL) -> gf.Component:
    """One character (ASCII ``code``) of KLayout's stroke font, ``height_um`` tall, its lower left
    corner at the origin."""
    if not 33 <= code <= 126:
        raise ValueError(f"code = {code}: only printable ASCII 33-126 has a glyph")
    c = gf.Component()
    mag = height_um / _FONT_GLYPH_HEIGHT * _FONT.dbu() / c.kcl.dbu
    c.kdb_cell.shapes(layer_index(c, layer)).insert(_FONT.glyph(code).transformed(
        kdb.ICplxTrans(mag)
    ))
    c.info["character"] = chr(code)
    c.info["height_um"] = height_um
    set_cell_name(c, _glyph_name(code, height_um, layer))
    return c


def place_text(
    c: gf.Component,
    text: str,
    x_um: float,
    y_um: float,
    height_um: float,
    *,
    justify: str = "left",
    repeat: tuple[int, float, float] | None = None,
    layer: Layer = LABEL,
) -> None:
    """Insert ``text`` into ``c`` as references to glyph cells.

    ``(x_um, y_um)`` is the lower left (``justify="left"``), lower centre ("center") or lower
    right ("right") of the text. ``repeat = (n, dx_um, dy_um)`` places ``n`` copies stepped by
    (dx, dy) as GDS arrays (one array per character).
    """
    width = text_width_um(text, height_um)
    shift = {"left": 0.0, "center": -0.5 * width, "right": -width}[justify]
    adv = text_advance_um(height_um)
    n, dx, dy = repeat if repeat is not None else (1, 0.0, 0.0)
    step = kdb.Vector(round(dx / DBU_UM), round(dy / DBU_UM))
    # Raw kdb.CellInstArray inserts, not gdsfactory's add_ref(columns=..., column_pitch=...):
    # the same GDS instance (SREF/AREF) without gdsfactory's Python instance wrapper, 10 us per
    # insert against 37 us for add_ref(...).move(...) (measured, 3000 inserts); a labelled
    # 100 x 100 matrix makes a few thousand of them.
    for i, ch in enumerate(text):
        if ch == " ":
            continue
        g = glyph(code=ord(ch), height_um=height_um, layer=layer)
        t = kdb.Trans(round((x_um + shift + i * adv) / DBU_UM), round(y_um / DBU_UM))
        if n == 1:
            c.kdb_cell.insert(kdb.CellInstArray(g.cell_index(), t))
        else:
            c.kdb_cell.insert(
                kdb.CellInstArray(g.cell_index(), t, step, kdb.Vector(0, 0), n, 1)
            )


@gf.cell
def label_text(
    text: str = "r00c00", height_um: float = 10.0, layer: Layer = LABEL
) -> gf.Component:
    """Readable text, ``height_um`` tall, lower left corner at the origin."""
    c = gf.Component()
    place_text(c, text, 0.0, 0.0, height_um, layer=layer)
    c.info["text"] = text
    c.info["height_um"] = height_um
    set_cell_name(c, f"text_{name_part(text) or 'blank'}")
    return c
