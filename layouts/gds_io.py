"""GDS/OASIS output with deterministic bytes, and reading the exposure points back.

Determinism: KLayout writes the GDS header with the current time unless told not to; the save
options here switch timestamps off (``gds2_write_timestamps = False``), and every cell name and
meta-data value comes from the inputs, so the same inputs give byte-identical files.

Round trip: each exposure point carries a text record on the EXPOSURE layer at its position
(layouts.cells.exposure_record); ``read_exposure_points`` collects them through the hierarchy.
"""

from __future__ import annotations

import os
from pathlib import Path

import gdsfactory as gf
from gdsfactory.component import save_layout_options
from kfactory import kdb

from layouts.cells import EXPOSURE_RECORD_FIELDS, EXPOSURE_RECORD_PREFIX
from layouts.files import write_atomic_with
from layouts.job import DBU_UM, ExposurePoint
from layouts.layers import EXPOSURE

_INT_FIELDS = {"order", "row", "col"}


def deterministic_save_options() -> kdb.SaveLayoutOptions:
    """Save options without timestamps (GDS header dates) so equal layouts give equal bytes."""
    opts = save_layout_options()
    opts.gds2_write_timestamps = False
    return opts


def write_layout(component: gf.Component, path: str | os.PathLike[str]) -> Path:
    """Write ``component`` to ``path`` (.gds or .oas by extension) atomically, without
    timestamps, with gdsfactory's meta data (cell settings and info)."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".gds", ".oas"):
        raise ValueError(f"layout path {path}: the extension must be .gds or .oas")
    return write_atomic_with(
        path,
        lambda tmp: component.write_gds(gdspath=tmp, save_options=deterministic_save_options()),
    )


def parse_exposure_record(text: str, x_nm: int, y_nm: int) -> ExposurePoint:
    """The exposure point described by one EXPOSURE-layer text record at (x_nm, y_nm)."""
    words = text.split()
    if not words or words[0] != EXPOSURE_RECORD_PREFIX:
        raise ValueError(f"not an exposure record: {text!r}")
    fields = dict(w.split("=", 1) for w in words[1:])
    missing = [f for f in EXPOSURE_RECORD_FIELDS if f not in fields]
    if missing:
        raise ValueError(f"exposure record {text!r} lacks {missing}")
    values: dict[str, object] = {}
    for f in EXPOSURE_RECORD_FIELDS:
        v = fields[f]
        values[f] = v if f == "id" else int(v) if f in _INT_FIELDS else float(v)
    return ExposurePoint(x_nm=x_nm, y_nm=y_nm, **values)  # type: ignore[arg-type]


def read_exposure_points(path: str | os.PathLike[str]) -> tuple[ExposurePoint, ...]:
    """Exposure points recorded in a layout written by layouts, in write order.

    Positions are in the GDS frame (nm on the database grid); apply
    ``LayoutSettings.stage.to_stage`` for stage coordinates.
    """
    layout = kdb.Layout()
    layout.read(str(path))
    if abs(layout.dbu - DBU_UM) > 1e-12:
        raise ValueError(f"{path}: database unit {layout.dbu} um, expected {DBU_UM} um")
    tops = layout.top_cells()
    layer = layout.find_layer(*EXPOSURE)
    if layer is None:
        return ()
    points = []
    for top in tops:
        it = top.begin_shapes_rec(layer)
        while not it.at_end():
            shape = it.shape()
            if shape.is_text() and shape.text_string.startswith(EXPOSURE_RECORD_PREFIX + " "):
                t = shape.text.transformed(it.trans())
                points.append(parse_exposure_record(t.string, t.x, t.y))
            it.next()
    points.sort(key=lambda p: p.order)
    return tuple(points)
