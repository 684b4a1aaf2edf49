"""What a run produces: how it was asked for (``RunOptions``), what it found (``RunResult``)
and the column schemas of its tables.

Plain data only: the pipeline fills a ``RunResult``; paradisk.outputs writes it to files and
paradisk.report pictures it, both reading it, neither changing it.

Units: um, ms, uW, uJ, mJ/cm^2, nm, uJ/cm^2.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from layouts.job import disk_id
from paradisk.executors import default_workers
from paradisk.stages import LOSS_CHANNELS

if TYPE_CHECKING:
    from paradisk.spec import DesignSpec, DiskPlan

# a disk's lasing record in a results row (``lasing_columns``): the same in run, design and
# predict
LASING_COLUMNS = (
    "lasing_m", "lasing_polarization", "lasing_wavelength_nm", "shift_from_emission_peak_nm",
    "threshold_N", "threshold_fluence_uJ_per_cm2", "threshold_power_uW", "lasing_Q",
    "lasing_Q_total", *(f"lasing_{c}" for c in LOSS_CHANNELS),
    "lasing_film_fraction", "K", "lases", "reason",
)
RESULT_COLUMNS = (
    "id", "row", "col", "dwell_ms", "power_uW", "energy_uJ", "peak_dose_mJ_per_cm2",
    "top_diameter_um", "foot_diameter_um", "height_um", "wall_angle_deg", "n_modes",
    *LASING_COLUMNS, "window_edge_warning", "error",
)
# modes/<row id>.csv: disk_id is the row's id (``row_id``: its modes are every repeat's), so
# the file is a mode table ``paradisk predict --modes`` reads as it is
MODE_COLUMNS = ("disk_id", "m", "polarization", "radial_order", "axial_order", "wavelength_nm", "Q",
                "Q_radiation", "Q_absorption", "film_fraction", "effective_index",
                "mode_volume_um3", *LOSS_CHANNELS[1:], "Q_total", "N_threshold", "K",
                "fluence_uJ_per_cm2")
CHECK_COLUMNS = ("id", "m", "polarization", "fem_wavelength_nm", "meep_wavelength_nm",
                 "relative_difference", "fem_Q", "meep_Q", "fem_film_fraction",
                 "meep_film_fraction", "error")


@dataclass(frozen=True)
class RunOptions:
    """How to run a spec (not what: that is the spec)."""

    out_dir: Path | None = None  # None: compute only, write nothing
    cache_dir: Path | None = None  # None: <out_dir>/cache, or no cache without out_dir
    use_cache: bool = True
    # local processes for the mode solves (paradisk.executors.default_workers: one per core)
    workers: int = field(default_factory=default_workers)
    scheduler: str | None = None  # Dask scheduler address: run the solves on that cluster
    solver: Literal["fem", "meep"] | None = None  # override the spec's solver.method
    meep_check: int = 0  # re-solve the lasing mode of this many rows with Meep (a check)
    write_layout: bool = True
    report: bool = True
    progress: bool = False
    connect_timeout_s: float = 30.0  # how long to try reaching ``scheduler``
    no_workers_timeout_s: float = 120.0  # give up when the Dask cluster has no worker this long
    # called as progress(stage, done, total, cached) after each finished task
    on_progress: Callable[[str, int, int, int], None] | None = None

    def resolved_cache_dir(self) -> Path | None:
        if not self.use_cache:
            return None
        if self.cache_dir is not None:
            return Path(self.cache_dir)
        return None if self.out_dir is None else Path(self.out_dir) / "cache"


@dataclass
class RunResult:
    """Everything a run produced; ``table`` has one row per disk (RESULT_COLUMNS)."""

    spec: DesignSpec
    table: pd.DataFrame
    modes: dict[str, list[dict]]  # per row, keyed by the row's first disk id
    lasing: dict[str, dict]
    stats: dict[str, Any]
    paths: dict[str, Path] = field(default_factory=dict)
    meep_checks: list[dict] = field(default_factory=list)  # FEM vs Meep on sampled rows
    # the report's mode picture: {"id", "record", "field"} (paradisk.stages.field_stage) or None
    mode_field: dict[str, Any] | None = None
    skipped_figures: dict[str, str] = field(default_factory=dict)  # figure name -> why missing
    scatter: dict[str, Any] | None = None  # paradisk.scatter.stage.run_scatter (spec.scatter)


def row_id(plan: DiskPlan) -> str:
    """The id under which a row's modes and lasing record are kept: its first disk's."""
    return disk_id(plan.row, 0)


def lasing_columns(record: dict[str, Any] | None, reason: str) -> dict[str, Any]:
    """The lasing columns of a disk's results row (LASING_COLUMNS) from its lasing record
    (``gain.lasing.lasing_record``; None: the disk was evaluated and does not lase, ``reason``
    says why). ``run``, ``design`` and ``predict`` all write their rows with it. A disk that
    does not lase has threshold_N inf and no lasing-mode values (None); ``lasing_Q`` is inf
    when the solver resolved no loss, a loss channel inf when it has no loss."""
    las = record or {}
    return {
        "lasing_m": las.get("m"), "lasing_polarization": las.get("polarization"),
        "lasing_wavelength_nm": las.get("wavelength_nm"),
        "shift_from_emission_peak_nm": las.get("shift_from_emission_peak_nm"),
        "threshold_N": las.get("threshold_N", math.inf),
        "threshold_fluence_uJ_per_cm2": las.get("threshold_fluence_uJ_per_cm2"),
        "threshold_power_uW": las.get("threshold_power_uW"),
        "lasing_Q": las.get("Q"), "lasing_Q_total": las.get("Q_total"),
        **{f"lasing_{c}": las.get(c) for c in LOSS_CHANNELS},
        "lasing_film_fraction": las.get("film_fraction"), "K": las.get("K"),
        "lases": record is not None, "reason": reason,
    }


def results_table(plans: list[DiskPlan], mode_tables: dict[str, list[dict]],
                  lasing: dict[str, dict], errors: dict[str, str],
                  reasons: dict[str, str] | None = None,
                  window_nm: tuple[float, float] | None = None) -> pd.DataFrame:
    """One row per disk (RESULT_COLUMNS): its write settings and shape, and its row's lasing
    mode (mode tables, lasing records and errors keyed by ``row_id``). ``lases`` is None for a
    disk that failed (see ``error``); ``reason`` says why a disk lases or not (gain.lasing);
    ``window_edge_warning`` is set when the lasing mode lies within one free spectral range of
    ``window_nm``'s edge."""
    from gain.band import free_spectral_range_nm, window_edge_warning

    out = []
    for plan in plans:
        rid = row_id(plan)
        las = lasing.get(rid) or {}
        warning = ""
        if las and window_nm is not None:
            fsr = free_spectral_range_nm(mode_tables[rid], int(las["index"]))
            warning = window_edge_warning(float(las["wavelength_nm"]), fsr, window_nm)
        if rid in lasing:
            cols = lasing_columns(lasing[rid], (reasons or {}).get(rid, ""))
        else:  # not evaluated (its solve failed: see error)
            cols = {**lasing_columns(None, ""), "threshold_N": None, "lases": None}
        out.append({**plan.summary(), "n_modes": len(mode_tables.get(rid, [])), **cols,
                    "window_edge_warning": warning, "error": errors.get(rid, "")})
    return pd.DataFrame(out, columns=list(RESULT_COLUMNS))
