"""gdsfactory cells of the write pattern: disks, text, marks, chip outline and the dose matrix.

Lengths in um (the GDS database unit is 1 nm). Layers come from layouts.layers.

Cells are made with ``@gf.cell`` (cached by their arguments, named deterministically).

One cell per row, not per disk. A new gdsfactory cell costs about 10 ms (measured: 100 disk cells
in 1.05 s), so 10,000 disk cells would take some 100 s. Every disk of a row is written with the
same settings and has the same predicted shape, so the dose matrix makes one ``row_disk`` cell per
row and places it ``repeats`` times as one GDS array (AREF). The per-disk settings still travel
with the component: the ``info`` of row r's cell holds

- the write settings and prediction shared by the row: ``dwell_ms``, ``power_uW``,
  ``energy_uJ``, ``peak_dose_mJ_per_cm2``, ``top_diameter_um``, ``foot_diameter_um``, ``row``,
  ``row_id`` ("r03");
- ``disk_ids`` (["r03c00", "r03c01", ...]) and ``positions_um`` ([[x, y], ...]), the id and the
  centre in the dose matrix frame of every disk the cell's array places, in column order
  (disk (r, c) sits at (c * pitch, -r * pitch); the matrix places the row cell's array at
  (0, -r * pitch) with a step of one pitch in x).

gdsfactory writes ``info`` and ``settings`` into the GDS as KLayout meta info, so a reader of
layout.gds finds every disk id with its dwell, power and dose (layouts.gds_io.read_disk_info).
Independently, each exposure point also has a text record on the EXPOSURE layer at its position
(see ``exposure_record``, read back by layouts.gds_io.read_exposure_points), which survives tools
that drop meta info.

Readable text is built from one cell per character (KLayout's built-in stroke font, which draws
lower case as capitals), placed as GDS arrays along rows and columns, so 10,000 labelled disks
stay a small file. Label text is therefore written in capitals with units that read correctly
so ("MSEC", not "MS", which reads as megasiemens; "J/CM2", not "MJ/CM2", which reads as
megajoules); see ``row_label``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import gdsfactory as gf
import numpy as np
from kfactory import kdb

from layouts.job import DBU_UM, ExposurePoint, exposure_points, pitch_nm
from layouts.job import disk_id as make_disk_id
from layouts.layers import CHIP, DISK_FOOT, DISK_TOP, EXPOSURE, LABEL, MARK, Layer
from layouts.rows import DiskRow
from layouts.settings import LayoutSettings

# KLayout's default text generator: glyphs 0.5 wide and 0.7 tall (digits, capitals) on a
# 0.6 advance, in font units of 1000 database units.
_FONT = kdb.TextGenerator.default_generator()
_FONT_GLYPH_HEIGHT = 0.7
_FONT_ADVANCE = 0.6
_FONT_GLYPH_WIDTH = 0.5

EXPOSURE_RECORD_PREFIX = "EXPOSE"
"""First word of the text record at each exposure point on the EXPOSURE layer."""
EXPOSURE_RECORD_FIELDS = (
    "order",
    "id",
    "row",
    "col",
    "power_uW",
    "dwell_ms",
    "energy_uJ",
    "peak_dose_mJ_per_cm2",
    "top_diameter_um",
    "foot_diameter_um",
)


def activate_generic_pdk() -> None:
    """Activate gdsfactory's generic PDK (the cells use only their own layers)."""
    from gdsfactory.gpdk import PDK

    try:
        active = gf.get_active_pdk().name
    except ValueError:  # none active yet
        active = None
    if active != PDK.name:
        PDK.activate()


def _layer_index(c: gf.Component, layer: Layer) -> int:
    return c.kcl.layer(*layer)


def _circle_points(diameter_um: float, n: int) -> np.ndarray:
    a = 2.0 * math.pi * np.arange(n) / n
    return 0.5 * diameter_um * np.column_stack([np.cos(a), np.sin(a)])


# ---------------------------------------------------------------------------------------- text


def text_advance_um(height_um: float) -> float:
    """Horizontal advance of one character of text ``height_um`` tall, um."""
    return _FONT_ADVANCE * height_um / _FONT_GLYPH_HEIGHT


def text_width_um(text: str, height_um: float) -> float:
    """Width of ``text`` drawn ``height_um`` tall (first glyph's left to last glyph's right)."""
    if not text:
        return 0.0
    scale = height_um / _FONT_GLYPH_HEIGHT
    return ((len(text) - 1) * _FONT_ADVANCE + _FONT_GLYPH_WIDTH) * scale


@gf.cell
def glyph(code: int, height_um: float = 10.0, layer: Layer = LABEL) -> gf.Component:
    """One character (ASCII ``code``) of KLayout's stroke font, ``height_um`` tall, its lower left
    corner at the origin."""
    if not 33 <= code <= 126:
        raise ValueError(f"code = {code}: only printable ASCII 33-126 has a glyph")
    c = gf.Component()
    mag = height_um / _FONT_GLYPH_HEIGHT * _FONT.dbu() / c.kcl.dbu
    c.kdb_cell.shapes(_layer_index(c, layer)).insert(_FONT.glyph(code).transformed(
        kdb.ICplxTrans(mag)
    ))
    c.info["character"] = chr(code)
    c.info["height_um"] = height_um
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
    return c


# ----------------------------------------------------------------------------------------- disk


def _draw_disk(
    c: gf.Component,
    top_diameter_um: float,
    foot_diameter_um: float,
    circle_points: int,
    marker_um: float,
) -> None:
    """Draw the top and foot footprints and the exposure marker of a disk centred on the origin."""
    if not top_diameter_um > 0.0:
        raise ValueError(f"top_diameter_um = {top_diameter_um}: must be > 0 (nothing written)")
    if not 0.0 <= foot_diameter_um <= top_diameter_um:
        raise ValueError(
            f"foot_diameter_um = {foot_diameter_um}: must be in [0, top_diameter_um = "
            f"{top_diameter_um}]"
        )
    c.add_polygon(_circle_points(top_diameter_um, circle_points), layer=DISK_TOP)
    if foot_diameter_um > 0.0:
        c.add_polygon(_circle_points(foot_diameter_um, circle_points), layer=DISK_FOOT)
    a, w = 0.5 * marker_um, 0.05 * marker_um
    c.add_polygon([(-a, -w), (a, -w), (a, w), (-a, w)], layer=EXPOSURE)
    c.add_polygon([(-w, -a), (w, -a), (w, a), (-w, a)], layer=EXPOSURE)


@gf.cell
def disk(
    top_diameter_um: float = 20.0,
    foot_diameter_um: float = 15.0,
    dwell_ms: float = 0.0,
    power_uW: float = 0.0,
    energy_uJ: float = 0.0,
    peak_dose_mJ_per_cm2: float = 0.0,
    disk_id: str = "",
    circle_points: int = 128,
    marker_um: float = 2.0,
) -> gf.Component:
    """A single written disk centred on its exposure point at the origin.

    Draws the expected top footprint on DISK_TOP, the expected foot footprint on DISK_FOOT and a
    cross ``marker_um`` wide on EXPOSURE at the exposure point. The write settings and predicted
    diameters travel with the cell in ``info``. (The dose matrix uses ``row_disk`` instead: one
    cell for all disks of a row.)
    """
    c = gf.Component()
    _draw_disk(c, top_diameter_um, foot_diameter_um, circle_points, marker_um)
    c.info["disk_id"] = disk_id
    _set_write_info(c, dwell_ms, power_uW, energy_uJ, peak_dose_mJ_per_cm2, top_diameter_um,
                    foot_diameter_um)
    return c


def _set_write_info(c: gf.Component, dwell_ms: float, power_uW: float, energy_uJ: float,
                    peak_dose_mJ_per_cm2: float, top_diameter_um: float,
                    foot_diameter_um: float) -> None:
    """The write settings (ms, uW, uJ, mJ/cm^2) and predicted diameters (um) in ``c.info``."""
    for k, v in {"dwell_ms": dwell_ms, "power_uW": power_uW, "energy_uJ": energy_uJ,
                 "peak_dose_mJ_per_cm2": peak_dose_mJ_per_cm2,
                 "top_diameter_um": top_diameter_um,
                 "foot_diameter_um": foot_diameter_um}.items():
        c.info[k] = v


def row_id(row: int) -> str:
    """Id of a row of the dose matrix: r{row:02d}."""
    return f"r{row:02d}"


@gf.cell
def row_disk(
    row: int = 0,
    repeats: int = 1,
    pitch_nm: int = 50_000,
    top_diameter_um: float = 20.0,
    foot_diameter_um: float = 15.0,
    dwell_ms: float = 0.0,
    power_uW: float = 0.0,
    energy_uJ: float = 0.0,
    peak_dose_mJ_per_cm2: float = 0.0,
    circle_points: int = 128,
    marker_um: float = 2.0,
) -> gf.Component:
    """The disk of row ``row`` of a dose matrix, drawn once at the origin (as ``disk``), to be
    placed ``repeats`` times, ``pitch_nm`` apart along x, at (0, -row * pitch) of the matrix.

    ``info`` carries the row's settings and prediction and, for every disk the placement
    makes, its id (``disk_ids``) and centre in the matrix frame (``positions_um``), in column
    order. See the module docstring.
    """
    if repeats < 1:
        raise ValueError(f"repeats = {repeats}: must be >= 1")
    c = gf.Component()
    _draw_disk(c, top_diameter_um, foot_diameter_um, circle_points, marker_um)
    y_nm = -row * pitch_nm
    c.info["row"] = row
    c.info["row_id"] = row_id(row)
    _set_write_info(c, dwell_ms, power_uW, energy_uJ, peak_dose_mJ_per_cm2, top_diameter_um,
                    foot_diameter_um)
    c.info["disk_ids"] = [make_disk_id(row, col) for col in range(repeats)]
    # nm / 1000: the double nearest to the exact position in um
    c.info["positions_um"] = [[col * pitch_nm / 1000, y_nm / 1000] for col in range(repeats)]
    return c


# ---------------------------------------------------------------------------------------- marks


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
    c.kdb_cell.shapes(_layer_index(c, CHIP)).insert(frame)
    c.info["width_um"] = width_um
    c.info["height_um"] = height_um
    return c


# ------------------------------------------------------------------------------------ the matrix


def exposure_record(p: ExposurePoint) -> str:
    """The text record of one exposure point (exact: floats as their shortest repr)."""
    values = {
        "order": p.order, "id": p.id, "row": p.row, "col": p.col,
        "power_uW": repr(p.power_uW), "dwell_ms": repr(p.dwell_ms),
        "energy_uJ": repr(p.energy_uJ), "peak_dose_mJ_per_cm2": repr(p.peak_dose_mJ_per_cm2),
        "top_diameter_um": repr(p.top_diameter_um),
        "foot_diameter_um": repr(p.foot_diameter_um),
    }
    return " ".join([EXPOSURE_RECORD_PREFIX, *(f"{k}={values[k]}" for k in EXPOSURE_RECORD_FIELDS)])


def label_geometry(rows: Sequence[DiskRow], settings: LayoutSettings) -> dict[str, float]:
    """Where labels go relative to a disk centre: largest top radius, gap, text height, um."""
    r_max = max(r.top_diameter_um for r in rows) / 2.0
    return {
        "r_max_um": r_max,
        "gap_um": settings.margin_um / 2.0,
        "height_um": settings.labels.text_height_um,
    }


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
    text = f"{_ascii(title)} POWER {significant(power_uW)} UW PITCH {pitch_um:.6g} UM"
    return text.strip().upper()


def _ascii(text: str) -> str:
    return "".join(ch if 32 <= ord(ch) <= 126 else "_" for ch in text)


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
    # disks: one cell per row, placed as one GDS array along x (see the module docstring).
    # A raw kdb.CellInstArray, as for the glyphs (see place_text); here (one insert per row)
    # only for consistency, gdsfactory's add_ref(columns=...) would cost the same.
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
    exposure_shapes = c.kdb_cell.shapes(_layer_index(c, EXPOSURE))
    points = exposure_points(rows, repeats, pitch_um)
    for pt in points:
        exposure_shapes.insert(kdb.Text(exposure_record(pt), kdb.Trans(pt.x_nm, pt.y_nm)))
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
    return c
