"""The stage job: exposure points in write order, travel, writing time, and job.csv / job.json.

Geometry on the GDS: column c of row r sits at (x, y) = (c * pitch, -r * pitch), so the GDS
origin is the first disk (r00c00) and rows run down the page as in a table. Positions live on
the 1 nm database grid of the GDS (the pitch is rounded to it), so the job and the GDS agree
exactly. The job gives stage coordinates (layouts.settings.StageFrame: origin, flips, units).

Write order is a serpentine (boustrophedon): row 0 left to right, row 1 right to left, ...; every
move is then one pitch except the step to the next row, which is the shortest tour of a grid
visited row by row.

Writing time (an estimate): the sum of the dwell times, plus every move at the stage speed along
a straight line (no acceleration ramps, an assumption), plus one settling time per move.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from layouts.rows import DiskRow
from layouts.settings import LayoutSettings, StageFrame

DBU_UM = 0.001
"""GDS database unit: 1 nm."""

JOB_FORMAT = "paradisk-job/1"


def pitch_nm(pitch_um: float) -> int:
    """The pitch on the 1 nm database grid, nm."""
    return round(pitch_um / DBU_UM)


def row_id(row: int) -> str:
    """Id of a row of the dose matrix: r{row:02d}."""
    return f"r{row:02d}"


def disk_id(row: int, col: int) -> str:
    """Id of the disk in ``row`` and ``col``: its row's id, then c{col:02d}."""
    return f"{row_id(row)}c{col:02d}"


def serpentine_order(n_rows: int, n_cols: int) -> list[tuple[int, int]]:
    """(row, col) pairs in write order: even rows left to right, odd rows right to left."""
    order: list[tuple[int, int]] = []
    for r in range(n_rows):
        cols = range(n_cols) if r % 2 == 0 else range(n_cols - 1, -1, -1)
        order.extend((r, c) for c in cols)
    return order


@dataclass(frozen=True, slots=True)
class ExposurePoint:
    """One exposure of the job, in write order."""

    order: int
    """position in the write order (0 first)"""
    id: str
    row: int
    col: int
    x_nm: int
    """GDS position, nm (exact, on the database grid)"""
    y_nm: int
    power_uW: float
    dwell_ms: float
    energy_uJ: float
    peak_dose_mJ_per_cm2: float
    top_diameter_um: float
    foot_diameter_um: float

    @property
    def x_um(self) -> float:
        return self.x_nm * DBU_UM

    @property
    def y_um(self) -> float:
        return self.y_nm * DBU_UM


def exposure_points(
    rows: Sequence[DiskRow], repeats: int, pitch_um: float
) -> tuple[ExposurePoint, ...]:
    """Every exposure of the dose matrix in serpentine write order."""
    p = pitch_nm(pitch_um)
    points = []
    for k, (r, c) in enumerate(serpentine_order(len(rows), repeats)):
        row = rows[r]
        points.append(
            ExposurePoint(
                order=k,
                id=disk_id(r, c),
                row=r,
                col=c,
                x_nm=c * p,
                y_nm=-r * p,
                power_uW=row.power_uW,
                dwell_ms=row.dwell_ms,
                energy_uJ=row.energy_uJ,
                peak_dose_mJ_per_cm2=row.peak_dose_mJ_per_cm2,
                top_diameter_um=row.top_diameter_um,
                foot_diameter_um=row.foot_diameter_um,
            )
        )
    return tuple(points)


@dataclass(frozen=True)
class JobSummary:
    """Totals of a job (travel in um, times in s)."""

    n_points: int
    travel_um: float
    """stage path length from the first to the last point, um (flips do not change it)"""
    dwell_s: float
    move_s: float
    settle_s: float
    speed_um_per_s: float
    settle_ms: float

    @property
    def total_s(self) -> float:
        """Estimated writing time: dwell + moves + settling, s."""
        return self.dwell_s + self.move_s + self.settle_s

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["total_s"] = self.total_s
        return d


def move_lengths_um(points: Sequence[ExposurePoint]) -> np.ndarray:
    """Straight-line length of each move between consecutive points, um."""
    xy = np.array([(p.x_nm, p.y_nm) for p in points], dtype=float).reshape(-1, 2) * DBU_UM
    return np.hypot(*np.diff(xy, axis=0).T) if len(xy) > 1 else np.zeros(0)


def summarize(points: Sequence[ExposurePoint], stage: StageFrame) -> JobSummary:
    """Travel and estimated writing time of ``points`` on ``stage``."""
    moves = move_lengths_um(points)
    travel = float(math.fsum(moves))
    return JobSummary(
        n_points=len(points),
        travel_um=travel,
        dwell_s=math.fsum(p.dwell_ms for p in points) * 1e-3,
        move_s=travel / stage.speed_um_per_s,
        settle_s=len(moves) * stage.settle_ms * 1e-3,
        speed_um_per_s=stage.speed_um_per_s,
        settle_ms=stage.settle_ms,
    )


def _coord(v: float, units: str) -> str:
    """A stage coordinate with 0.1 nm resolution in ``units``, never '-0'."""
    text = f"{v:.4f}" if units == "um" else f"{v:.7f}"
    return text.lstrip("-") if float(text) == 0.0 else text


CSV_VALUE_FIELDS = (
    "power_uW",
    "dwell_ms",
    "energy_uJ",
    "peak_dose_mJ_per_cm2",
    "top_diameter_um",
    "foot_diameter_um",
)


def stage_coords(points: Sequence[ExposurePoint], stage: StageFrame) -> tuple[list[str], list[str]]:
    """Formatted stage coordinates of ``points`` in the stage's units."""
    x = np.array([p.x_nm for p in points], dtype=float) * DBU_UM
    y = np.array([p.y_nm for p in points], dtype=float) * DBU_UM
    xs, ys = stage.to_stage(x, y)
    return [_coord(v, stage.units) for v in xs], [_coord(v, stage.units) for v in ys]


def job_csv_text(points: Sequence[ExposurePoint], stage: StageFrame) -> str:
    """job.csv: one line per exposure point in write order, stage coordinates in stage units."""
    u = stage.units
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["order", "id", "row", "col", f"x_{u}", f"y_{u}", *CSV_VALUE_FIELDS])
    xs, ys = stage_coords(points, stage)
    for p, x, y in zip(points, xs, ys, strict=True):
        w.writerow(
            [p.order, p.id, p.row, p.col, x, y, *(repr(getattr(p, f)) for f in CSV_VALUE_FIELDS)]
        )
    return buf.getvalue()


def job_json_obj(
    points: Sequence[ExposurePoint],
    summary: JobSummary,
    settings: LayoutSettings,
    rows: Sequence[DiskRow],
    spec: dict[str, Any] | None,
    spec_hash: str | None,
) -> dict[str, Any]:
    """job.json content: the points of job.csv, the totals, the stage frame and the spec."""
    u = settings.stage.units
    xs, ys = stage_coords(points, settings.stage)
    pts = []
    for p, x, y in zip(points, xs, ys, strict=True):
        d: dict[str, Any] = {"order": p.order, "id": p.id, "row": p.row, "col": p.col}
        d[f"x_{u}"] = float(x)
        d[f"y_{u}"] = float(y)
        d["x_gds_um"] = p.x_um
        d["y_gds_um"] = p.y_um
        for f in CSV_VALUE_FIELDS:
            d[f] = getattr(p, f)
        pts.append(d)
    return {
        "format": JOB_FORMAT,
        "units": {"position": u, "power": "uW", "dwell": "ms", "energy": "uJ",
                  "peak_dose": "mJ/cm^2", "diameter": "um", "time": "s", "travel": "um"},
        "stage": settings.stage.model_dump(mode="json"),
        "layout": settings.model_dump(mode="json"),
        "write_order": "serpentine: even rows by increasing column, odd rows by decreasing column",
        "summary": summary.as_dict(),
        "rows": [r.model_dump(mode="json") for r in rows],
        "spec": spec,
        "spec_hash": spec_hash,
        "points": pts,
    }


def job_json_text(obj: dict[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, indented, one line per exposure point (the points
    come last), a newline at the end."""
    head = {k: v for k, v in obj.items() if k != "points"}
    text = json.dumps(head, indent=1, sort_keys=True, allow_nan=False)
    points = obj.get("points")
    if points is None:
        return text + "\n"
    lines = ",\n  ".join(json.dumps(p, sort_keys=True, allow_nan=False) for p in points)
    body = f'"points": [\n  {lines}\n ]' if points else '"points": []'
    return text[:-2] + f",\n {body}\n}}\n"
