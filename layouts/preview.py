"""A PNG preview of the write pattern for people without KLayout (matplotlib, Agg backend).

Drawn from the layout's data, not by flattening the whole GDS: expected top footprints (light),
foot footprints (dark), the serpentine path of the stage (for up to 2,500 points), the GDS
labels when they are legible at the image's scale (else one matplotlib label per row when those
fit), the marks and the chip outline. Lengths in um (GDS frame).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from kfactory import kdb
from matplotlib.collections import EllipseCollection, PolyCollection

from layouts.build import LayoutResult
from layouts.files import write_atomic_bytes
from layouts.job import row_id
from layouts.layers import CHIP, LABEL, MARK
from layouts.rows import DiskRow

_MAX_PATH_POINTS = 2500
_MAX_LABELLED_ROWS = 40
_MAX_GDS_LABEL_POINTS = 400
_MIN_TEXT_PX = 8.0  # smallest legible text height in the PNG, pixels


def _layer_polygons(result: LayoutResult, layer: tuple[int, int]) -> list[np.ndarray]:
    """Polygons of one (small) layer of the layout, flattened, um."""
    c = result.component
    region = c.kdb_cell.begin_shapes_rec(c.kcl.layer(*layer))
    polys = []
    for poly in kdb.Region(region).each():
        pts = [(p.x * c.kcl.dbu, p.y * c.kcl.dbu) for p in poly.to_simple_polygon().each_point()]
        polys.append(np.array(pts))
    return polys


def _row_text(row: DiskRow) -> str:
    target = (f", target {row.target_top_diameter_um:.3g} um"
              if row.target_top_diameter_um is not None else "")
    return (f"{row_id(row.row)}: {row.dwell_ms:.4g} ms, {row.energy_uJ:.4g} uJ -> "
            f"top {row.top_diameter_um:.3g} um{target}")


def preview_png_bytes(result: LayoutResult, dpi: int = 150) -> bytes:
    """The preview image as PNG bytes (deterministic: no software or date metadata)."""
    pts = result.points
    x = np.array([p.x_nm for p in pts], dtype=float) * 1e-3
    y = np.array([p.y_nm for p in pts], dtype=float) * 1e-3
    top = np.array([p.top_diameter_um for p in pts])
    foot = np.array([p.foot_diameter_um for p in pts])
    x0, y0, x1, y1 = result.chip_bbox_um
    aspect = (y1 - y0) / max(x1 - x0, 1e-9)
    width_in = 8.0
    fig, ax = plt.subplots(figsize=(width_in, max(3.0, min(20.0, width_in * aspect + 1.0))))
    xy = np.column_stack([x, y])
    ax.add_collection(EllipseCollection(top, top, np.zeros_like(top), units="xy", offsets=xy,
                                        offset_transform=ax.transData, facecolors="#9ecae1",
                                        edgecolors="#3182bd", linewidths=0.3))
    ax.add_collection(EllipseCollection(foot, foot, np.zeros_like(foot), units="xy",
                                        offsets=xy, offset_transform=ax.transData,
                                        facecolors="#08519c", edgecolors="none"))
    if len(pts) <= _MAX_PATH_POINTS:
        ax.plot(x, y, color="#e6550d", lw=0.6, alpha=0.8, label="write order")
        ax.plot(x[:1], y[:1], "o", color="#e6550d", ms=4)
    ax.add_collection(PolyCollection(_layer_polygons(result, MARK), facecolors="#636363"))
    ax.add_collection(PolyCollection(_layer_polygons(result, CHIP), facecolors="#bdbdbd"))
    px_per_um = width_in * dpi / max(x1 - x0, 1e-9)
    labels = result.settings.labels
    if (labels.show and len(pts) <= _MAX_GDS_LABEL_POINTS
            and labels.text_height_um * px_per_um >= _MIN_TEXT_PX):
        ax.add_collection(PolyCollection(_layer_polygons(result, LABEL), facecolors="black"))
    elif (len(result.rows) <= _MAX_LABELLED_ROWS
          and result.array.pitch_um * px_per_um >= 1.5 * _MIN_TEXT_PX):
        # one line per row on a secondary y axis at the right, outside the drawing
        right = ax.secondary_yaxis("right")
        right.set_yticks(
            [-row.row * result.pitch_um for row in result.rows],
            labels=[_row_text(row) for row in result.rows],
            fontsize=6,
        )
    s = result.summary
    ax.set_title(
        f"{len(result.rows)} x {result.array.repeats} disks, pitch {result.array.pitch_um:g} um, "
        f"{result.rows[0].power_uW:g} uW; travel {s.travel_um / 1000:.4g} mm, "
        f"writing time {s.total_s / 60:.3g} min",
        fontsize=8,
    )
    pad = 0.02 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal")
    ax.set_xlabel("x (um, GDS frame; origin = disk r00c00)")
    ax.set_ylabel("y (um)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def write_preview(result: LayoutResult, path: str | os.PathLike[str], dpi: int = 150) -> Path:
    """Write the PNG preview of ``result`` to ``path`` atomically."""
    return write_atomic_bytes(path, preview_png_bytes(result, dpi=dpi))
