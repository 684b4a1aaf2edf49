"""The dose matrix: one disk per exposure point, row r written with the settings of row r, with
labels, alignment and orientation marks, the chip outline and an exposure record per point.

Lengths in um (the GDS database unit is 1 nm). Disk (r, c) sits at (c * pitch, -r * pitch):
the GDS origin is disk r00c00. Each row is one cell placed as a GDS array (layouts.disks);
labels are stroke-font text (layouts.text); each exposure point carries its record
(layouts.records).
"""

from __future__ import annotations

from collections.abc import Sequence

import gdsfactory as gf
from kfactory import kdb

from layouts.cellkit import layer_index, set_cell_name
from layouts.disks import row_disk
from layouts.job import DBU_UM, exposure_points, pitch_nm
from layouts.layers import EXPOSURE_RECORD
from layouts.marks import alignment_cross, chip_outline, orientation_arrow
from layouts.records import (
    EXPOSURE_TEXT_HEIGHT_UM,
    exposure_properties,
    exposure_text,
)
from layouts.rows import DiskRow
from layouts.settings import LayoutSettings
from layouts.text import ascii_text, place_text, significant, text_advance_um, text_width_um


def label_geometry(rows: Sequence[DiskRow], settings: LayoutSettings) -> dict[str, float]:
    """Where labels go relative to a disk centre: largest top radius, gap, text height, um."""
    r_max = max(r.top_diameter_um for r in rows) / 2.0
    return {
        "r_max_um": r_max,
        "gap_um": settings.margin_um / 2.0,
        "height_um": settings.labels.text_height_um,
    }


def row_label(row: DiskRow) -> str:
    """The label left of a row, in capitals as the stroke font draws it: row id, dwell and peak
    dose, e.g. "R00 13.88 MSEC 4.417 J/CM2".

    Units chosen to read correctly in capitals: MSEC (a bare MS reads as megasiemens) and
    J/CM2 (mJ/cm^2 would be drawn MJ/CM2, megajoules). The power is in the title (one per
    matrix) and the energy is power x dwell.
    """
    return (f"R{row.row:02d} {significant(row.dwell_ms)} MSEC "
            f"{significant(row.peak_dose_mJ_per_cm2 / 1000.0)} J/CM2")


def title_label(title: str, power_uW: float, pitch_um: float) -> str:
    """The line above the matrix, in capitals: ``title`` (non-ASCII characters become "_"),
    power and pitch, e.g. "QS3 POWER 500 UW PITCH 60 UM" (U for micro: not an SI prefix, so
    not ambiguous in capitals)."""
    text = f"{ascii_text(title)} POWER {significant(power_uW)} UW PITCH {pitch_um:.6g} UM"
    return text.strip().upper()


@gf.cell
def dose_matrix(
    rows: tuple[DiskRow, ...],
    repeats: int = 1,
    pitch_um: float = 50.0,
    settings: LayoutSettings | None = None,
    title: str = "",
) -> gf.Component:
    """The dose matrix: row r written with ``rows[r]``, ``repeats`` disks per row, ``pitch_um``
    apart, with labels, alignment and orientation marks and the chip outline.

    Disk (r, c) sits at (c * pitch, -r * pitch): the GDS origin is disk r00c00. Rows must be
    valid (use layouts.validate first): every row writes an anchored disk.
    """
    settings = settings or LayoutSettings()
    c = gf.Component()
    p = pitch_nm(pitch_um)
    pitch = p * DBU_UM
    n_rows = len(rows)
    # disks: one cell per row, placed as one GDS array along x (see layouts.disks).
    # A raw kdb.CellInstArray, as for the glyphs (see layouts.text.place_text); here (one insert
    # per row) only for consistency, gdsfactory's add_ref(columns=...) would cost the same.
    for row in rows:
        d = row_disk(
            row=row.row,
            repeats=repeats,
            pitch_nm=p,
            top_diameter_um=row.top_diameter_um,
            foot_diameter_um=row.foot_diameter_um,
            dwell_ms=row.dwell_ms,
            power_uW=row.power_uW,
            energy_uJ=row.energy_uJ,
            peak_dose_mJ_per_cm2=row.peak_dose_mJ_per_cm2,
            circle_points=settings.circle_points,
        )
        c.kdb_cell.insert(kdb.CellInstArray(
            d.cell_index(), kdb.Trans(0, -row.row * p), kdb.Vector(p, 0), kdb.Vector(0, 0),
            repeats, 1,
        ))
    # exposure records, in write order
    exposure_shapes = c.kdb_cell.shapes(layer_index(c, EXPOSURE_RECORD))
    points = exposure_points(rows, repeats, pitch_um)
    layout = c.kcl.layout
    for pt in points:
        text = kdb.Text(exposure_text(pt), kdb.Trans(pt.x_nm, pt.y_nm))
        text.size = round(EXPOSURE_TEXT_HEIGHT_UM / DBU_UM)
        # centred over the point: neighbouring records overlap only when the pitch on screen
        # is below the text's width
        text.halign, text.valign = kdb.HAlign.HAlignCenter, kdb.VAlign.VAlignBottom
        exposure_shapes.insert(text, layout.properties_id(exposure_properties(pt)))
    # labels
    g = label_geometry(rows, settings)
    r_max, gap, h = g["r_max_um"], g["gap_um"], g["height_um"]
    if settings.labels.show:
        adv = text_advance_um(h)
        if settings.labels.per_disk:
            # "R03" ends at the disk's centre line, "C05" starts there (disk id r03c05, drawn
            # in capitals like all text): one array per glyph
            base = -r_max - gap - h
            for row in rows:
                part = f"R{row.row:02d}"
                place_text(c, part, -len(part) * adv + (adv - text_width_um("R", h)) / 2,
                           base - row.row * pitch, h, repeat=(repeats, pitch, 0.0))
            for col in range(repeats):
                part = f"C{col:02d}"
                x0 = col * pitch + (adv - text_width_um("C", h)) / 2
                place_text(c, part, x0, base, h, repeat=(n_rows, 0.0, -pitch))
        # row labels (id, dwell, peak dose) left of column 0; column headers above row 0
        x_right = -max(r_max, 4 * adv) - h
        for row in rows:
            place_text(c, row_label(row), x_right, -row.row * pitch - h / 2, h, justify="right")
        for col in range(repeats):
            place_text(c, f"C{col:02d}", col * pitch, r_max + gap, h, justify="center")
        power = rows[0].power_uW
        widest = max(text_width_um(row_label(row), h) for row in rows)
        place_text(c, title_label(title, power, pitch), x_right - widest,
                   r_max + gap + 2.0 * h, h)
    # marks at the corners of everything drawn so far, arrow by the top left cross
    box = c.dbbox()
    marks = settings.marks
    if marks.show:
        off = marks.gap_um + marks.size_um / 2.0
        cross = alignment_cross(size_um=marks.size_um, line_width_um=marks.line_width_um)
        corners = [(box.left - off, box.top + off), (box.right + off, box.top + off),
                   (box.left - off, box.bottom - off), (box.right + off, box.bottom - off)]
        for x, y in corners:
            c.add_ref(cross).move((x, y))
        arrow = orientation_arrow(length_um=marks.size_um, line_width_um=marks.line_width_um)
        c.add_ref(arrow).move((box.left - off + marks.size_um / 2.0 + marks.gap_um,
                               box.top + off))
        box = c.dbbox()
    m = settings.chip_margin_um
    frame_w = marks.line_width_um
    outline = chip_outline(
        width_um=round((box.width() + 2 * m + 2 * frame_w) / DBU_UM) * DBU_UM,
        height_um=round((box.height() + 2 * m + 2 * frame_w) / DBU_UM) * DBU_UM,
        line_width_um=frame_w,
    )
    c.add_ref(outline).move((box.left - m - frame_w, box.bottom - m - frame_w))
    chip = c.dbbox()
    info = {
        "n_rows": n_rows,
        "n_cols": repeats,
        "n_points": len(points),
        "pitch_um": pitch,
        "power_uW": rows[0].power_uW,
        "chip_bbox_um": [chip.left, chip.bottom, chip.right, chip.top],
        "title": title,
    }
    for k, v in info.items():
        c.info[k] = v
    set_cell_name(c, "dose_matrix")
    return c
