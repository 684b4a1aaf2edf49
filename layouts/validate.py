"""Checks that run before anything is written; each failure names the field and its limits.

- every row writes something (E0 > W_cl) and the body reaches the substrate (anchored);
- neighbouring disks do not overlap: pitch >= largest expected top diameter + margin;
- per-disk labels fit between the disks (when shown);
- every exposure point lies inside the stage travel.
"""

from __future__ import annotations

import math

from geometry.exposure import ExposureProcess
from layouts.array import WriteArray
from layouts.errors import LayoutError
from layouts.job import DBU_UM, disk_id, pitch_nm
from layouts.rows import DiskRow, check_rows, plan_rows
from layouts.settings import LayoutSettings
from layouts.text import text_width_um


def check_pitch(array: WriteArray, rows: tuple[DiskRow, ...], settings: LayoutSettings) -> None:
    """Raise LayoutError when neighbouring disks would touch or overlap."""
    widest = max(rows, key=lambda r: r.top_diameter_um)
    need = widest.top_diameter_um + settings.margin_um
    if array.pitch_um < need:
        raise LayoutError(
            f"array.pitch_um = {array.pitch_um:g} um: disks overlap; the pitch must be >= the "
            f"largest expected top diameter {widest.top_diameter_um:.4g} um (row {widest.row}) + "
            f"layout.margin_um = {settings.margin_um:g} um, i.e. >= {need:.4g} um"
        )


def check_labels(array: WriteArray, rows: tuple[DiskRow, ...], settings: LayoutSettings) -> None:
    """Raise LayoutError when row labels overlap or per-disk id labels do not fit between the
    disks."""
    labels = settings.labels
    if not labels.show:
        return
    h = labels.text_height_um
    pitch = pitch_nm(array.pitch_um) * DBU_UM
    if pitch < h + settings.margin_um:
        raise LayoutError(
            f"layout.labels.text_height_um = {h:g} um: row labels {pitch:g} um apart overlap; "
            f"the text height must be <= array.pitch_um - layout.margin_um = "
            f"{pitch - settings.margin_um:g} um (or layout.labels.show = false)"
        )
    if not labels.per_disk:
        return
    longest = disk_id(len(rows) - 1, array.repeats - 1)
    width = text_width_um(longest, h)
    d_max = max(r.top_diameter_um for r in rows)
    need_x = width + settings.margin_um
    need_y = d_max + settings.margin_um + h
    if pitch < need_x or pitch < need_y:
        h_fit = min(
            h * (pitch - settings.margin_um) / width,
            pitch - d_max - settings.margin_um,
        )
        hint = (f"layout.labels.text_height_um <= {math.floor(h_fit * 10) / 10:g}"
                if h_fit >= 1.0 else "a larger array.pitch_um")
        raise LayoutError(
            f"layout.labels.text_height_um = {h:g} um: the disk labels ('{longest}' is "
            f"{width:.3g} um wide) do not fit between disks {pitch:g} um apart (need pitch >= "
            f"{max(need_x, need_y):.4g} um with layout.margin_um = {settings.margin_um:g}); set "
            f"{hint}, or layout.labels.per_disk = false"
        )


def check_travel(array: WriteArray, n_rows: int, settings: LayoutSettings) -> None:
    """Raise LayoutError when an exposure point lies outside the stage travel."""
    stage = settings.stage
    pitch = pitch_nm(array.pitch_um) * DBU_UM
    span = ((array.repeats - 1) * pitch, (n_rows - 1) * pitch)
    gx = (0.0, span[0])
    gy = (-span[1], 0.0)
    xs, ys = stage.to_stage_um(list(gx), list(gy))
    for i, (axis, vals) in enumerate((("x", xs), ("y", ys))):
        lo, hi = stage.travel_um[i]
        a, b = float(min(vals)), float(max(vals))
        if span[i] > hi - lo:
            raise LayoutError(
                f"the array spans {span[i]:g} um in stage {axis} (array.pitch_um = "
                f"{array.pitch_um:g} x {span[i] / pitch if pitch else 0:g} steps), more than the "
                f"stage travel layout.stage.travel_um[{i}] = ({lo:g}, {hi:g}) um, "
                f"{hi - lo:g} um long"
            )
        if a < lo or b > hi:
            o_lo = stage.origin_um[i] + lo - a
            o_hi = stage.origin_um[i] + hi - b
            raise LayoutError(
                f"exposure points reach stage {axis} = {a:g} .. {b:g} um, outside "
                f"layout.stage.travel_um[{i}] = ({lo:g}, {hi:g}) um; move "
                f"layout.stage.origin_um[{i}] (now {stage.origin_um[i]:g}) into "
                f"[{o_lo:g}, {o_hi:g}] um"
            )


def validate_layout(
    process: ExposureProcess, array: WriteArray, settings: LayoutSettings
) -> tuple[DiskRow, ...]:
    """All checks; returns the planned rows, or raises LayoutError naming the field at fault."""
    rows = plan_rows(process, array)
    check_rows(process, array, rows)
    check_pitch(array, rows, settings)
    check_labels(array, rows, settings)
    check_travel(array, len(rows), settings)
    return rows
