"""The disk cells: the expected top and foot footprints and the exposure marker of a disk.

Lengths in um, write settings in ms, uW, uJ and mJ/cm^2.

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
"""

from __future__ import annotations

import math

import gdsfactory as gf
import numpy as np

from layouts.cellkit import set_cell_name
from layouts.job import disk_id as make_disk_id
from layouts.job import row_id
from layouts.layers import DISK_FOOT, DISK_TOP, EXPOSURE


def _circle_points(diameter_um: float, n: int) -> np.ndarray:
    a = 2.0 * math.pi * np.arange(n) / n
    return 0.5 * diameter_um * np.column_stack([np.cos(a), np.sin(a)])


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


def _set_write_info(c: gf.Component, dwell_ms: float, power_uW: float, energy_uJ: float,
                    peak_dose_mJ_per_cm2: float, top_diameter_um: float,
                    foot_diameter_um: float) -> None:
    """The write settings (ms, uW, uJ, mJ/cm^2) and predicted diameters (um) in ``c.info``."""
    for k, v in {"dwell_ms": dwell_ms, "power_uW": power_uW, "energy_uJ": energy_uJ,
                 "peak_dose_mJ_per_cm2": peak_dose_mJ_per_cm2,
                 "top_diameter_um": top_diameter_um,
                 "foot_diameter_um": foot_diameter_um}.items():
        c.info[k] = v


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
    set_cell_name(c, f"disk_{disk_id}" if disk_id else "disk")
    return c


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
    order. See the module docstring. In the file the cell is named "disk_" + the row id.
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
    set_cell_name(c, f"disk_{row_id(row)}")
    return c
