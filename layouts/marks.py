"""Marks of the chip: alignment crosses, the orientation arrow and the chip outline.

Lengths in um; crosses and arrow on MARK, the outline on CHIP.
"""

from __future__ import annotations

import gdsfactory as gf
from kfactory import kdb

from layouts.cellkit import layer_index, set_cell_name
from layouts.layers import CHIP, MARK


@gf.cell
def alignment_cross(size_um: float = 100.0, line_width_um: float = 10.0) -> gf.Component:
    """A cross ``size_um`` wide with arms ``line_width_um`` wide, centred on the origin (MARK)."""
    c = gf.Component()
    a, w = 0.5 * size_um, 0.5 * line_width_um
    c.add_polygon(
        [(-a, -w), (-w, -w), (-w, -a), (w, -a), (w, -w), (a, -w),
         (a, w), (w, w), (w, a), (-w, a), (-w, w), (-a, w)],
        layer=MARK,
    )
    set_cell_name(c, "alignment_cross")
    return c


@gf.cell
def orientation_arrow(length_um: float = 100.0, line_width_um: float = 10.0) -> gf.Component:
    """An arrow along +x from the origin, ``length_um`` long (MARK): it points the way row 0 is
    written and, having no mirror image of itself along y, shows which way up the chip lies."""
    c = gf.Component()
    w = 0.5 * line_width_um
    head = min(0.4 * length_um, 3.0 * line_width_um)
    shaft_end = length_um - head
    c.add_polygon([(0, -w), (shaft_end, -w), (shaft_end, w), (0, w)], layer=MARK)
    c.add_polygon([(shaft_end, -1.5 * head / 2), (length_um, 0), (shaft_end, 1.5 * head / 2)],
                  layer=MARK)
    # a foot on one side only: the arrow is not symmetric under y -> -y
    c.add_polygon([(0, w), (line_width_um, w), (line_width_um, 0.5 * length_um * 0.4),
                   (0, 0.5 * length_um * 0.4)], layer=MARK)
    set_cell_name(c, "orientation_arrow")
    return c


@gf.cell
def chip_outline(
    width_um: float = 1000.0, height_um: float = 1000.0, line_width_um: float = 10.0
) -> gf.Component:
    """A rectangular frame ``width_um`` x ``height_um`` (outer edge), lower left at the origin,
    on CHIP."""
    if not (0.0 < 2.0 * line_width_um < min(width_um, height_um)):
        raise ValueError(
            f"line_width_um = {line_width_um}: must be > 0 and < half the smaller side "
            f"({min(width_um, height_um) / 2:g} um)"
        )
    c = gf.Component()
    outer = kdb.DBox(0.0, 0.0, width_um, height_um)
    inner = outer.enlarged(-line_width_um, -line_width_um)
    frame = kdb.Region(outer.to_itype(c.kcl.dbu)) - kdb.Region(inner.to_itype(c.kcl.dbu))
    c.kdb_cell.shapes(layer_index(c, CHIP)).insert(frame)
    c.info["width_um"] = width_um
    c.info["height_um"] = height_um
    set_cell_name(c, "chip_outline")
    return c
