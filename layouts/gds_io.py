"""GDS/OASIS output with deterministic bytes, and reading the exposure points back.

Determinism: KLayout writes the GDS header with the current time unless told not to; the save
options here switch timestamps off (``gds2_write_timestamps = False``). KLayout also writes
cells, layers and meta data in the order they were created in gdsfactory's shared layout, which
depends on what else the process built before (cached cells come first). So the component is
first copied into a fresh layout in a canonical order (cells, layers, meta data by name,
instances sorted): the same inputs then give byte-identical files in any process.

Readable in KLayout: cells get the short names their cells state (layouts.cellkit: "disk_r03",
"glyph_R_10um", "dose_matrix") instead of gdsfactory's argument-encoding names, and layers their
names (layouts.layers; OASIS stores them, for GDS see layouts.layers.layer_properties_xml).

Round trip: each exposure point carries a text record on EXPOSURE_RECORD at its position with
the exact values as properties (layouts.records); ``read_exposure_points`` collects them through
the hierarchy.
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

from layouts.cellkit import CELL_NAME_KEY
from layouts.files import write_atomic_with
from layouts.job import DBU_UM, ExposurePoint
from layouts.layers import EXPOSURE_RECORD, LAYERS
from layouts.records import is_exposure_record, parse_exposure_properties


def deterministic_save_options() -> kdb.SaveLayoutOptions:
    """Save options without timestamps (GDS header dates) so equal layouts give equal bytes."""
    opts = save_layout_options()
    opts.gds2_write_timestamps = False
    return opts


def _sorted_meta(items) -> list[kdb.LayoutMetaInfo]:
    return sorted(items, key=lambda m: m.name)


def file_cell_names(component: gf.Component) -> dict[int, str]:
    """The name each cell of ``component``'s hierarchy gets in the file, by cell index.

    A cell's short name (``info["cell_name"]``, layouts.cellkit) when no other cell of the
    hierarchy states the same one, else gdsfactory's name (unique: it encodes the arguments).
    Raises ValueError when the resulting names are still not unique.
    """
    kcl = component.kcl
    src = kcl.layout
    top = component.kdb_cell
    indexes = [*top.called_cells(), top.cell_index()]
    short = {ci: kcl[ci].info.get(CELL_NAME_KEY) for ci in indexes}
    counts: dict[str, int] = {}
    for name in short.values():
        if name:
            counts[name] = counts.get(name, 0) + 1
    names = {ci: short[ci] if short[ci] and counts[short[ci]] == 1 else src.cell(ci).name
             for ci in indexes}
    values = list(names.values())
    if len(set(values)) != len(values):
        dup = sorted({n for n in values if values.count(n) > 1})
        raise ValueError(f"cell names are not unique in {component.name}: {dup[:5]}")
    return names


def _layer_info(info: kdb.LayerInfo) -> kdb.LayerInfo:
    """``info`` with the write pattern's name of its layer (layouts.layers.LAYERS), if any."""
    for name, (layer, datatype) in LAYERS.items():
        if (info.layer, info.datatype) == (layer, datatype):
            return kdb.LayerInfo(layer, datatype, name)
    return info


def canonical_layout(component: gf.Component) -> kdb.Layout:
    """A copy of ``component`` and everything it calls in a new layout, built in a canonical
    order: cells by name, layers by (layer, datatype), instances sorted, meta data by key.

    Cells are named by ``file_cell_names``, the write pattern's layers by
    layouts.layers.LAYERS. gdsfactory's meta data (settings, info) is refreshed first and
    copied along.
    """
    kcl = component.kcl
    src = kcl.layout
    top = component.kdb_cell
    cells = [src.cell(ci) for ci in top.called_cells()] + [top]
    file_names = file_cell_names(component)
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
        layer_map[li] = new.layer(_layer_info(src.get_info(li)))
    by_name = sorted(cells, key=lambda c: file_names[c.cell_index()])
    cell_map = {c.cell_index(): new.add_cell(file_names[c.cell_index()]) for c in by_name}
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
            insts.append((file_names[inst.cell_index], str(arr), arr))
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
    layer = layout.find_layer(*EXPOSURE_RECORD)
    if layer is None:
        return ()
    points = []
    for top in tops:
        it = top.begin_shapes_rec(layer)
        while not it.at_end():
            shape = it.shape()
            if shape.is_text() and is_exposure_record(shape.properties()):
                t = shape.text.transformed(it.trans())
                points.append(parse_exposure_properties(t.string, shape.properties(), t.x, t.y))
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
