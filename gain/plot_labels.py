"""Names on crowded scatter points, placed where they overlap neither each other nor the data.

``label_points(ax, x, y, names)`` writes the names as a column of labels, at the place of
the axes that keeps the column farthest from every line and marker already drawn (up to a
clearance of ``CLEARANCE_PX``), and among those the nearest to the points; each name goes to
the slot of the column that keeps the thin leader lines from label to point from crossing.
Points close together (a run's disks at nearly the same figure of merit) get legible names
that way, which offsets next to each point cannot give.

Call it after everything else of the figure is drawn on the axes (curves, markers, scales,
titles: the layout must be final) and before the legend (a "best" legend then avoids the
labels).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.text import Annotation, Text

CLEARANCE_PX = 6.0  # at the figure's dpi: a label this far from any line is clear of it
LINE_SPACING = 1.3  # label pitch in the column, in label heights
EDGE = 0.015  # margin to the axes frame, axes fraction


def _obstacles_px(ax: Axes) -> np.ndarray:
    """Display coordinates of every line of ``ax``, densified to ~3 px (markers: their
    centres)."""
    pts = [np.empty((0, 2))]
    for line in ax.lines:
        xy = line.get_transform().transform(np.asarray(line.get_xydata(), float))
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        if len(xy) == 0:
            continue
        if line.get_linestyle() in ("None", "", " ", "none") or len(xy) == 1:
            pts.append(xy)
            continue
        for a, b in itertools.pairwise(xy):
            n = max(2, int(np.hypot(*(b - a)) / 3.0) + 1)
            pts.append(a + np.linspace(0.0, 1.0, n)[:, None] * (b - a))
    return np.vstack(pts)


def _clearance(boxes: np.ndarray, obst: np.ndarray) -> float:
    """Smallest distance (px) from any obstacle point to any box (x0, y0, x1, y1); 0 inside."""
    if len(obst) == 0:
        return np.inf
    dx = np.maximum(np.maximum(boxes[:, None, 0] - obst[None, :, 0], 0.0),
                    obst[None, :, 0] - boxes[:, None, 2])
    dy = np.maximum(np.maximum(boxes[:, None, 1] - obst[None, :, 1], 0.0),
                    obst[None, :, 1] - boxes[:, None, 3])
    return float(np.hypot(dx, dy).min())


def _text_size_px(fig: Any, text: str, fontsize: float, renderer: Any) -> tuple[float, float]:
    """(width, height) in px of a label as matplotlib lays it out (line height included)."""
    t = Text(0.0, 0.0, text, fontsize=fontsize)
    t.set_figure(fig)
    box = t.get_window_extent(renderer)
    return box.width, box.height


def _leader(slot: tuple[float, float], width_px: float, point: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """The leader line (px): from the centre of a label (left end x0, centre height yc, its
    width) to its point, as matplotlib draws it (clipped at the label's box)."""
    x0, yc = slot
    return np.array([x0 + width_px / 2.0, yc]), point


def _crosses(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> bool:
    """Whether segments a and b cross (touching ends do not count)."""
    def side(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> float:
        return float((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]))

    d1, d2 = side(*a, b[0]), side(*a, b[1])
    d3, d4 = side(*b, a[0]), side(*b, a[1])
    return d1 * d2 < 0 and d3 * d4 < 0


def _uncrossed(keep: np.ndarray, slots: list[tuple[float, float]], widths: np.ndarray,
               pts: np.ndarray) -> np.ndarray:
    """Points to slots such that no two leader lines cross: swap the points (and names) of two
    crossing leaders until none cross (a swap shortens the total length: this ends)."""
    keep = keep.copy()
    for _ in range(len(keep) ** 2 + 1):
        swapped = False
        for i in range(len(keep)):
            for j in range(i + 1, len(keep)):
                a = _leader(slots[i], widths[keep[i]], pts[keep[i]])
                b = _leader(slots[j], widths[keep[j]], pts[keep[j]])
                if _crosses(a, b):
                    keep[i], keep[j] = keep[j], keep[i]
                    swapped = True
        if not swapped:
            break
    return keep


def label_points(ax: Axes, x: Sequence[float], y: Sequence[float], names: Sequence[str],
                 fontsize: float = 8.0, layout: bool = True, **text_kw: Any
                 ) -> list[Annotation]:
    """Name the points (x, y) (data coordinates) of ``ax``; returns the labels. Points beyond
    what one column holds are named every k-th (in x order), so the names stay legible.
    ``layout=False``: the figure is laid out already (``fig.draw_without_rendering()``, once
    for several axes: the labels inside an axes do not change the layout)."""
    fig = ax.figure
    if not names:
        return []
    if layout:
        fig.draw_without_rendering()  # the final layout: axes size, limits, transforms
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    pts = ax.transData.transform(np.column_stack([x, y]).astype(float))
    order = np.argsort(pts[:, 0])
    sizes = np.array([_text_size_px(fig, str(nm), fontsize, renderer) for nm in names])
    pitch = LINE_SPACING * sizes[:, 1].max()
    room = frame.height * (1.0 - 2.0 * EDGE)
    step = max(1, int(np.ceil(len(names) * pitch / room)))
    keep = np.sort(order[::step])
    keep = keep[np.argsort(-pts[keep, 1])]  # top to bottom, as the points
    n = len(keep)
    width = sizes[keep, 0].max()  # any name may end up in any slot (_uncrossed)
    column_h = n * pitch
    obst = _obstacles_px(ax)
    edge_x, edge_y = EDGE * frame.width, EDGE * frame.height
    best: tuple[float, float, float, float] | None = None  # (-clearance, leader, x0, top)
    for x0 in np.linspace(frame.x0 + edge_x, frame.x1 - edge_x - width, 20):
        for top in np.linspace(frame.y1 - edge_y, frame.y0 + edge_y + column_h, 20):
            yc = top - pitch * (np.arange(n) + 0.5)
            boxes = np.column_stack([np.full(n, x0), yc - sizes[keep, 1] / 2,
                                     np.full(n, x0 + width), yc + sizes[keep, 1] / 2])
            clear = min(_clearance(boxes, obst), CLEARANCE_PX)
            leader = float(np.hypot(np.clip(pts[keep, 0], x0, x0 + width) - pts[keep, 0],
                                    yc - pts[keep, 1]).sum())
            cand = (-clear, leader, float(x0), float(top))
            if best is None or cand[:2] < best[:2]:
                best = cand
    assert best is not None
    _, _, x0, top = best
    slots = [(x0, top - pitch * (i + 0.5)) for i in range(n)]
    keep = _uncrossed(keep, slots, sizes[:, 0], pts)
    to_axes = ax.transAxes.inverted()
    labels = []
    for i, k in enumerate(keep):
        ax_xy = to_axes.transform((x0, slots[i][1]))
        labels.append(ax.annotate(
            str(names[k]), (float(x[k]), float(y[k])), xytext=tuple(ax_xy),
            textcoords="axes fraction", ha="left", va="center", fontsize=fontsize,
            arrowprops={"arrowstyle": "-", "color": "0.55", "lw": 0.5, "shrinkA": 1.0,
                        "shrinkB": 2.5}, **text_kw))
    return labels
