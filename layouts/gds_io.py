"""GDS/OASIS output with deterministic bytes, and reading the exposure points back.

Determinism: KLayout writes the GDS header with the current time unless told not to; the save
options here switch timestamps off (``gds2_write_timestamps = False``). KLayout also writes
cells, layers and meta data in the order they were created in gdsfactory's shared layout, which
depends on what else the process built before (cached cells come first). So the component is
first copied into a fresh layout in a canonical order (cells, layers, meta data by name,
instances sorted): the same inputs then give byte-identical files in any process.

Round trip: each exposure point carries a text record on the EXPOSURE layer at its position
(layouts.records.exposure_record); ``read_exposure_points`` collects them through the hierarchy.
The per-disk settings are also in the cells' gdsfactory info (KLayout meta info "kfactory:info"
of each row cell, layouts.disks.row_disk); ``read_disk_info`` collects those by disk id.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import gdsfactory as gf
from gdsfactory.component import save_layout_options
from kfactory import kdb

from layouts.files import write_atomic_with
from layouts.job import DBU_UM, ExposurePoint
from layouts.layers import EXPOSURE
from layouts.records import EXPOSURE_RECORD_FIELDS, EXPOSURE_RECORD_PREFIX

_INT_FIELDS = {"order", "row", "col"}


def deterministic_save_options() -> kdb.SaveLayoutOptions:
    """Save options without timestamps (GDS header dates) so equal layouts give equal bytes."""
    opts = save_layout_options()
    opts.gds2_write_timestamps = False
    return opts


def _sorted_meta(items) -> list[kdb.LayoutMetaInfo]:
    return sorted(items, key=lambda m: m.name)


def canonical_layout(component: gf.Component) -> kdb.Layout:
    """A copy of ``component`` and everything it calls in a new layout, built in a canonical
    order: cells by name, layers by (layer, datatype), instances sorted, meta data by key.

    Cell names must be unique within the hierarchy (they are: gdsfactory names cells by their
    arguments). gdsfactory's meta data (settings, info) is refreshed first and copied along.
    """
    kcl = component.kcl
    src = kcl.layout
    top = component.kdb_cell
    cells = [src.cell(ci) for ci in top.called_cells()] + [top]
    names = [c.name for c in cells]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"cell names are not unique in {component.name}: {dup[:5]}")
    # gdsfactory keeps settings/info in Python; write them into KLayout's meta info
    kcl.set_meta_data()
    for c in cells:
        kcl[c.cell_index()].set_meta_data()

    new = kdb.Layout()
    new.dbu = src.dbu
    used = {li for li in src.layer_indexes() if any(not c.shapes(li).is_empty() for c in cells)}
    layer_map = {}
    for li in sorted(used, key=lambda i: (src.get_info(i).layer, src.get_info(i).datatype,
                                           src.get_info(i).name)):
        layer_map[li] = new.layer(src.get_info(li))
    by_name = sorted(cells, key=lambda c: c.name)
    cell_map = {c.cell_index(): new.add_cell(c.name) for c in by_name}
    for c in by_name:
        nc = new.cell(cell_map[c.cell_index()])
        for li, nli in layer_map.items():
            shapes = c.shapes(li)
            if not shapes.is_empty():
                nc.shapes(nli).insert(shapes)
        insts = []
        for inst in c.each_inst():
            arr = inst.cell_inst.dup()
            arr.cell_index = cell_map[arr.cell_index]
            insts.append((src.cell(inst.cell_index).name, str(arr), arr))
        for _, _, arr in sorted(insts, key=lambda t: (t[0], t[1])):
            nc.insert(arr)
        for mi in _sorted_meta(c.each_meta_info()):
            nc.add_meta_info(mi)
    for mi in _sorted_meta(src.each_meta_info()):
        new.add_meta_info(mi)
    return new


def write_layout(component: gf.Component, path: str | os.PathLike[str]) -> Path:
    """Write ``component`` to ``path`` (.gds or .oas by extension) atomically, without
    timestamps and in a canonical order, with gdsfactory's meta data (cell settings and info)."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".gds", ".oas"):
        raise ValueError(f"layout path {path}: the extension must be .gds or .oas")
    layout = canonical_layout(component)

    def writer(tmp: str) -> None:
        opts = deterministic_save_options()
        opts.set_format_from_filename(tmp)
        layout.write(tmp, opts)

    return write_atomic_with(path, writer)


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


ROW_INFO_FIELDS = (
    "row",
    "dwell_ms",
    "power_uW",
    "energy_uJ",
    "peak_dose_mJ_per_cm2",
    "top_diameter_um",
    "foot_diameter_um",
)
"""Row settings copied from a row cell's info into each of its disks by ``read_disk_info``."""


def read_disk_info(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """The settings of every disk from the cell info stored in a layout file, by disk id.

    Reads gdsfactory's info (KLayout meta info "kfactory:info") of each cell that has
    ``disk_ids`` (the row cells of layouts.disks.row_disk) and returns, for each id, the row's
    ``ROW_INFO_FIELDS``, ``cell`` (the cell name) and ``position_um`` ((x, y) in the frame of the
    dose matrix, as the cell info states it). Raises ValueError for an id found twice.

    KLayout stores meta-info floats with 15 significant digits, so these values agree with the
    job to a relative 1e-14; ``read_exposure_points`` gives the exact values.
    """
    layout = kdb.Layout()
    layout.read(str(path))
    disks: dict[str, dict[str, Any]] = {}
    for cell in layout.each_cell():
        info = cell.meta_info_value("kfactory:info")
        if not info or "disk_ids" not in info:
            continue
        ids, positions = info["disk_ids"], info["positions_um"]
        if len(ids) != len(positions):
            raise ValueError(f"{path}: cell {cell.name}: {len(ids)} disk_ids, "
                             f"{len(positions)} positions_um")
        for disk_id, (x, y) in zip(ids, positions, strict=True):
            if disk_id in disks:
                raise ValueError(f"{path}: disk id {disk_id} in cells {disks[disk_id]['cell']} "
                                 f"and {cell.name}")
            disks[disk_id] = {
                **{f: info[f] for f in ROW_INFO_FIELDS},
                "cell": cell.name,
                "position_um": (float(x), float(y)),
            }
    return disks
