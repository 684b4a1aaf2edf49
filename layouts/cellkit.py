"""What every cell module shares: the active PDK, layer indexes, and the short name each cell
gets in the written file.

Lengths in um. gdsfactory names a cell in memory by all its arguments
("row_disk_R0_R5_PN61250_TDU12_FDU8p742732563400807_..."), which keeps the cells of different
layouts apart in its one shared layout but reads badly in KLayout's cell tree. So each cell
also states a short name, ``info["cell_name"]`` ("disk_r00", "glyph_R_10um",
"alignment_cross"), and layouts.gds_io writes the file with those names (falling back to
gdsfactory's for any two cells of one layout that would share a short name).
"""

from __future__ import annotations

import re

import gdsfactory as gf

from layouts.layers import Layer

CELL_NAME_KEY = "cell_name"
"""Key of ``Component.info`` holding the cell's name in the written file."""


def activate_generic_pdk() -> None:
    """Activate gdsfactory's generic PDK (the cells use only their own layers)."""
    from gdsfactory.gpdk import PDK

    try:
        active = gf.get_active_pdk().name
    except ValueError:  # none active yet
        active = None
    if active != PDK.name:
        PDK.activate()


def layer_index(c: gf.Component, layer: Layer) -> int:
    """Index of ``layer`` in the layout that holds ``c``."""
    return c.kcl.layer(*layer)


def length_tag(value_um: float) -> str:
    """A length for a cell name: up to 6 significant digits, "p" for the decimal point (a dot
    reads as a file extension in some tools), e.g. 10 -> "10um", 2.5 -> "2p5um"."""
    text = f"{float(f'{value_um:.6g}'):f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', 'p').replace('-', 'm')}um"


def name_part(text: str, max_len: int = 40) -> str:
    """``text`` reduced to letters, digits and single underscores, for a cell name."""
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:max_len]


def set_cell_name(c: gf.Component, name: str) -> None:
    """Record the short name ``c`` gets in the written file."""
    c.info[CELL_NAME_KEY] = name
